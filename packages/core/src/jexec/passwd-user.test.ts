import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookupPasswdUser } from './passwd-user.js';

const root = mkdtempSync(join(tmpdir(), 'sysjail-passwd-'));
mkdirSync(join(root, 'etc'));
writeFileSync(
  join(root, 'etc/passwd'),
  'root:x:0:0:root:/root:/bin/sh\nwww:x:80:81::/var/www:\nbroken line\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lookupPasswdUser', () => {
  it('finds a user by name or uid; empty home and shell default to / and /bin/sh', () => {
    expect(lookupPasswdUser(root, 'www')).toEqual({
      name: 'www',
      uid: 80,
      gid: 81,
      home: '/var/www',
      shell: '/bin/sh',
    });
    expect(lookupPasswdUser(root, 65534)?.name).toBe('nobody');
    expect(lookupPasswdUser(root, '0')?.home).toBe('/root');
  });

  it('is undefined for an unknown user or a missing passwd file', () => {
    expect(lookupPasswdUser(root, 'nosuch')).toBeUndefined();
    expect(lookupPasswdUser(root, 4242)).toBeUndefined();
    expect(lookupPasswdUser(join(root, 'none'), 'root')).toBeUndefined();
  });
});
