import { describe, expect, it } from 'vitest';
import { parseFstab, parseFstabLine } from './jail-mounts.js';

describe('fstab lines (mount.fstab)', () => {
  it("reads FreeBSD's nullfs and tmpfs lines, mount points under the jail root", () => {
    expect(parseFstabLine('/tmp /jails/www/usr/local/www nullfs ro 0 0', '/jails/www')).toEqual({
      kind: 'bind',
      source: '/tmp',
      target: '/usr/local/www',
      readonly: true,
    });
    expect(parseFstabLine('tmpfs /jails/www/tmp tmpfs rw,size=64m,mode=1777 0 0', '/jails/www')).toEqual({
      kind: 'tmpfs',
      target: '/tmp',
      readonly: false,
      size: '64m',
      mode: '1777',
    });
    expect(parseFstabLine('/tmp\t/jails/www/mnt nullfs', '/jails/www')).toMatchObject({ readonly: false });
    expect(parseFstabLine('# a comment', '/jails/www')).toBeUndefined();
    expect(parseFstabLine('devfs /jails/www/dev devfs rw 0 0', '/jails/www')).toBeUndefined();
    expect(parseFstab('\n/tmp /j/a nullfs ro 0 0 # x\n\n', '/j')).toHaveLength(1);
  });

  it('refuses other types by name, mount points outside the jail, unknown options', () => {
    expect(() => parseFstabLine('/dev/ada0 /jails/www/mnt ufs rw 0 0', '/jails/www')).toThrow(
      /file system type "ufs" is not supported/,
    );
    expect(() => parseFstabLine('/tmp /etc nullfs ro 0 0', '/jails/www')).toThrow(/must be inside the jail/);
    expect(() => parseFstabLine('/tmp /jails/www/../x nullfs ro 0 0', '/jails/www')).toThrow(
      /inside the jail/,
    );
    expect(() => parseFstabLine('/tmp /jails/www nullfs ro 0 0', '/jails/www')).toThrow(/jail root/);
    expect(() => parseFstabLine('/tmp /jails/www/a nullfs union 0 0', '/jails/www')).toThrow(/"union"/);
    expect(() => parseFstabLine('/nonexistent-x /jails/www/a nullfs ro 0 0', '/jails/www')).toThrow(
      /no such/,
    );
    expect(() => parseFstabLine('devfs /jails/www/d devfs rw 0 0', '/jails/www')).toThrow(/\/dev only/);
    expect(() => parseFstabLine('tmpfs /jails/www/t tmpfs size=lots 0 0', '/jails/www')).toThrow(/bad size/);
  });
});
