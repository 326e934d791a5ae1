import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JailConfError } from '../errors.js';
import { parseJailConf, readJailConf } from './parser.js';
import { type ResolvedJail, resolveJails } from './resolve.js';

const jails = (text: string) => resolveJails(parseJailConf(text, 'jail.conf'));
const params = (j: ResolvedJail) => Object.fromEntries(j.params.map((p) => [p.name, p.values]));

/** The error a bad file gives: its message, which starts with file:line:column. */
function errorOf(text: string): string {
  try {
    jails(text);
  } catch (e) {
    expect(e).toBeInstanceOf(JailConfError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

// The EXAMPLES section of FreeBSD's jail.conf(5), as printed there.
const manExample = `# Typical static defaults:
# Use the rc scripts to start and stop jails.  Mount jail's /dev.
exec.start = "/bin/sh /etc/rc";
exec.stop = "/bin/sh /etc/rc.shutdown jail";
exec.clean;
mount.devfs;

# Dynamic wildcard parameter:
# Base the path off the jail name.
path = "/var/jail/$name";

# A typical jail.
foo {
	host.hostname = "foo.com";
	ip4.addr = 10.1.1.1, 10.1.1.2, 10.1.1.3;
}

# This jail overrides the defaults defined above.
bar {
	exec.start = '';
	exec.stop = '';
	path = /;
	mount.nodevfs;
	persist;	// Required because there are no processes
}
`;

describe('jail.conf(5) examples', () => {
  it('the EXAMPLES section: defaults outside blocks, a typical jail, a jail overriding the defaults', () => {
    const [foo, bar] = jails(manExample);
    expect(foo.name).toBe('foo');
    expect(params(foo)).toEqual({
      name: ['foo'],
      'exec.start': ['/bin/sh /etc/rc'],
      'exec.stop': ['/bin/sh /etc/rc.shutdown jail'],
      'exec.clean': [],
      'mount.devfs': [],
      path: ['/var/jail/foo'],
      'host.hostname': ['foo.com'],
      'ip4.addr': ['10.1.1.1', '10.1.1.2', '10.1.1.3'],
    });
    expect(params(bar)).toEqual({
      name: ['bar'],
      'exec.start': [''],
      'exec.stop': [''],
      'exec.clean': [],
      'mount.nodevfs': [],
      path: ['/'],
      persist: [],
    });
  });

  it('allow.mount = "false" and allow.nomount are one parameter', () => {
    const [j] = jails('j { allow.mount = "false"; allow.nomount; }');
    expect(params(j)).toEqual({ name: ['j'], 'allow.nomount': [] });
  });

  it('a list in one statement equals one built with +=', () => {
    const [a] = jails('a { ip4.addr = 10.1.1.1, 10.1.1.2, 10.1.1.3; }');
    const [b] = jails('b { ip4.addr = 10.1.1.1; ip4.addr += 10.1.1.2; ip4.addr += 10.1.1.3; }');
    expect(params(a)['ip4.addr']).toEqual(params(b)['ip4.addr']);
  });

  it('variables: $name, $' + '{host.hostname}, a user variable, none inside single quotes', () => {
    const [j] = jails(`
      $parentdir = "/var/jail";
      j {
        host.hostname = j.example;
        path = "$parentdir/$name";
        exec.start = "echo \${host.hostname}";
        exec.stop = 'echo $name';
      }`);
    expect(params(j)).toMatchObject({
      path: ['/var/jail/j'],
      'exec.start': ['echo j.example'],
      'exec.stop': ['echo $name'],
    });
    expect(params(j)).not.toHaveProperty('parentdir');
  });

  it('wildcards: defaults above a jail are overridden by it, a * block below overrides it', () => {
    const [a, b] = jails(`
      * { persist; stop.timeout = 3; }
      a { stop.timeout = 5; }
      b { path = /b; }
      * { path = "/jails/$name"; }`);
    expect(params(a)).toMatchObject({ persist: [], 'stop.timeout': ['5'], path: ['/jails/a'] });
    expect(params(b)).toMatchObject({ path: ['/jails/b'], 'stop.timeout': ['3'] });
  });

  it('partial wildcards apply to matching names only', () => {
    const [x, y] = jails('web.* { persist; } web.a { path = /a; } db { path = /d; }');
    expect(params(x)).toHaveProperty('persist');
    expect(params(y)).not.toHaveProperty('persist');
  });

  it('strings: escapes, octal and hex codes, a backslash-newline continuation, comments of three kinds', () => {
    const [j] = jails(
      'j { /* a C comment\n spanning lines */ exec.start = "a\\tb\\n\\101\\x42 \\"q\\"" ; // C++\n' +
        "exec.stop = 'one \\\ntwo'; # shell\n path = /x\\ y; }",
    );
    expect(params(j)).toMatchObject({
      'exec.start': ['a\tb\nAB "q"'],
      'exec.stop': ['one two'],
      path: ['/x y'],
    });
  });

  it('an array variable is substituted only as a whole value', () => {
    const [j] = jails('$addrs = 127.0.10.1, 127.0.10.2; j { ip4.addr = $addrs; }');
    expect(params(j)['ip4.addr']).toEqual(['127.0.10.1', '127.0.10.2']);
  });

  it('.include with a glob, relative to the including file, in sorted order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jail-conf-'));
    mkdirSync(join(dir, 'jail.conf.d'));
    writeFileSync(join(dir, 'jail.conf'), 'path = "/jails/$name";\n.include "jail.conf.d/*.conf";\n');
    writeFileSync(join(dir, 'jail.conf.d', 'b.conf'), 'b { persist; }\n');
    writeFileSync(join(dir, 'jail.conf.d', 'a.conf'), 'a { persist; }\n');
    writeFileSync(join(dir, 'jail.conf.d', 'a.conf.orig'), 'ignored { }\n');
    const list = resolveJails(readJailConf(join(dir, 'jail.conf')));
    rmSync(dir, { recursive: true, force: true });
    expect(list.map((j) => [j.name, params(j).path[0]])).toEqual([
      ['a', '/jails/a'],
      ['b', '/jails/b'],
    ]);
  });
});

describe('bad files name the line and column', () => {
  it.each([
    [
      'missing semicolon',
      'j {\n  path = /x\n}\n',
      'jail.conf:3:1: expected ";" after the parameter, found "}"',
    ],
    ['unterminated string', 'j {\n  path = "/x;\n}\n', 'jail.conf:2:10: unterminated string'],
    ['unterminated comment', 'j { }\n  /* no end\n', 'jail.conf:2:3: unterminated comment'],
    ['unclosed block', 'j {\n  path = /x;\n', 'jail.conf:3:1: missing "}" for jail j (opened at line 1)'],
    ['stray brace', '}\n', 'jail.conf:1:1: unexpected "}"'],
    ['missing value', 'j { path = ; }', 'jail.conf:1:12: expected a value for path, found ";"'],
    ['unknown variable', 'j {\n  path = "/jails/$nme";\n}', 'jail.conf:2:18: path: variable "nme" not found'],
    ['variable loop', '$a = $b;\n$b = $a;\nj { path = $a; }', 'jail.conf:1:1: a: variable loop'],
    [
      'array inline',
      '$l = a, b;\nj { path = "/x/$l"; }',
      'jail.conf:2:16: path: array cannot be substituted inline',
    ],
    [
      'nested jails',
      'a {\n  b { }\n}',
      'jail.conf:2:3: nested jail definitions (hierarchical jails) are not supported',
    ],
    ['redefined name', 'a { name = b; }', 'jail.conf:1:5: cannot redefine parameter "name"'],
    [
      'variable named as a parameter',
      'a { path = /a; $path = /b; }',
      'jail.conf:1:16: variable "$path" cannot have the same name as a parameter',
    ],
    [
      'defined twice',
      'a { }\na { }',
      'jail.conf:2:1: jail a is defined twice (first at line 1 of jail.conf)',
    ],
    ['unterminated variable', 'a { path = $' + '{x\n}', 'jail.conf:1:12: unterminated variable'],
  ])('%s', (_what, text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('a missing included file names the include', () => {
    expect(() => parseJailConf('.include "/nonexistent/x.conf";', 'jail.conf')).toThrow(
      'jail.conf:1:10: .include /nonexistent/x.conf: ENOENT',
    );
  });
});
