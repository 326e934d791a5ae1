import { describe, expect, it } from 'vitest';
import { commandArgv } from './command-line.js';

describe('hook command lines (as FreeBSD runs them)', () => {
  it.each([
    ['/bin/sh /etc/rc', ['/bin/sh', '/etc/rc'], false],
    ['  httpd  -p 80 ', ['httpd', '-p', '80'], false],
    ['echo $HOME', ['/bin/sh', '-c', 'echo $HOME'], false],
    ['a; b', ['/bin/sh', '-c', 'a; b'], false],
    ['sleep 60 &', ['sleep', '60'], true],
    ['a & b', ['/bin/sh', '-c', 'a & b'], false],
  ])('%s', (line, argv, background) => {
    expect(commandArgv(line)).toEqual({ argv, background });
  });
});
