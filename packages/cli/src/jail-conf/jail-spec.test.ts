import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jailSpec } from './jail-spec.js';
import { parseJailConf } from './parser.js';
import { resolveJails } from './resolve.js';

const base = mkdtempSync(join(tmpdir(), 'jail-spec-'));
const root = join(base, 'root');
mkdirSync(join(root, 'proc'), { recursive: true });
afterAll(() => rmSync(base, { recursive: true, force: true }));
const spec = (body: string, forCreate = true) =>
  jailSpec(resolveJails(parseJailConf(`j {\n  path = ${root};\n${body}\n}\n`, 'jail.conf'))[0], {
    forCreate,
  });

describe('jail parameters', () => {
  it('FreeBSD parameters map to the prison and the pseudo-parameters', () => {
    const s = spec(`  host.hostname = j.example;
  ip4.addr = 127.0.10.1, 127.0.10.2;
  ip6.addr = ::1;
  persist;
  allow.raw_sockets;
  allow.sysvipc = true;
  allow.noset_hostname;
  allow.chflags = 0;
  exec.start = "/bin/sh /etc/rc";
  exec.start += "echo up";
  exec.consolelog = /var/log/jail_j_console.log;
  stop.timeout = 3;
  depend = a, b;
  sysjail.allow.rlimit;
  sysjail.allow.host_loopback;`);
    expect(s.prison).toEqual({
      path: root,
      hostname: 'j.example',
      ipv4: ['127.0.10.1', '127.0.10.2'],
      ipv6: ['::1'],
      name: 'j',
      flags: {
        allowIpc: true,
        allowAllDomains: false,
        allowRawSockets: true,
        allowChflags: false,
        allowRlimit: true,
        allowSetHostname: false,
      },
    });
    expect(s.persist).toBe(true);
    expect(s.hooks['exec.start']).toEqual(['/bin/sh /etc/rc', 'echo up']);
    expect(s.consoleLog).toBe('/var/log/jail_j_console.log');
    expect(s.stopTimeout).toBe(3);
    expect(s.execTimeout).toBe(0);
    expect(s.depend).toEqual(['a', 'b']);
  });

  it("refuses the host's own loopback and 127.0.0.0, 127.255.255.255 unless sysjail.allow.host_loopback", () => {
    const cases: [string, string][] = [
      ['  ip4.addr = 127.0.10.1, 127.0.0.1;', "127.0.0.1 is the host's own loopback address"],
      ['  ip6.addr = ::1;', "::1 is the host's own loopback address"],
      ['  ip4.addr = 127.0.0.0;', '127.0.0.0 is the network address of 127.0.0.0/8'],
      ['  ip4.addr = 127.255.255.255;', '127.255.255.255 is the broadcast address of 127.0.0.0/8'],
    ];
    for (const [line, what] of cases) {
      expect(() => spec(line), line).toThrow(
        `jail.conf:3:3: address ${what}: a jail on it would reach the host's services there (use another ` +
          "address, or sysjail.allow.host_loopback if the host's loopback is meant)",
      );
      const allowed = spec(`${line}\n  sysjail.allow.host_loopback;\n  persist;`).prison;
      expect([...allowed.ipv4, ...allowed.ipv6], line).toContain(what.split(' ')[0]);
    }
    expect(spec('  ip4.addr = 127.0.10.1;\n  persist;').prison.ipv4).toEqual(['127.0.10.1']);
  });

  it('interface|address/prefix and the interface parameter make aliases the jail adds', () => {
    const s = spec(
      '  interface = dummy0;\n  ip4.addr = 192.0.2.10, "lo|192.0.2.11/24";\n  ip6.addr = 2001:db8::1/64;\n  persist;',
    );
    expect(s.prison.ipv4).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(s.prison.ipv6).toEqual(['2001:db8::1']);
    expect(s.prison.aliases).toEqual([
      { interface: 'dummy0', address: '192.0.2.10', prefixLength: 32 },
      { interface: 'lo', address: '192.0.2.11', prefixLength: 24 },
      { interface: 'dummy0', address: '2001:db8::1', prefixLength: 64 },
    ]);
  });

  it('mount.fstab and mount: fstab lines under the jail path become its mounts', async () => {
    const { writeFileSync } = await import('node:fs');
    const fstab = join(base, 'fstab.j');
    writeFileSync(fstab, `# www\n/srv ${root}/srv nullfs ro 0 0\n`);
    const s = spec(
      `  mount.fstab = ${fstab};\n  mount = "tmpfs ${root}/tmp tmpfs rw,size=1m 0 0";\n  persist;`,
    );
    expect(s.prison.mounts).toEqual([
      { kind: 'bind', source: '/srv', target: '/srv', readonly: true },
      { kind: 'tmpfs', target: '/tmp', readonly: false, size: '1m' },
    ]);
  });

  it('sysjail.changeable: the allow.* flags jail -m may change, by their jail.conf names', () => {
    expect(spec('  persist;').changeableFlags).toEqual([]);
    expect(
      spec('  persist;\n  sysjail.changeable = allow.raw_sockets, allow.sysvipc;').changeableFlags,
    ).toEqual(['allowRawSockets', 'allowIpc']);
    expect(() => spec('  persist;\n  sysjail.changeable = sysjail.allow.rlimit;')).toThrow(
      'jail.conf:4:3: sysjail.changeable: sysjail.allow.rlimit: not a flag that can change while the jail runs',
    );
  });

  it("sysjail.rctl: rctl rules without the jail subject, += appends, checked by rctl(8)'s parser", () => {
    expect(spec('  persist;').limits).toEqual([]);
    expect(
      spec(`  persist;
  sysjail.rctl = "memoryuse:deny=64m", "maxproc:deny=20";
  sysjail.rctl += "pcpu:deny=50", "cputime:sigterm=3600/jail";
  sysjail.rctl += "readbps:throttle=1m";`).limits,
    ).toEqual([
      { resource: 'memoryuse', action: 'deny', amount: 64 * 2 ** 20 },
      { resource: 'maxproc', action: 'deny', amount: 20 },
      { resource: 'pcpu', action: 'deny', amount: 50 },
      { resource: 'cputime', action: 'sigterm', amount: 3600 },
      { resource: 'readbps', action: 'throttle', amount: 2 ** 20 },
    ]);
    // `=` replaces what was set before
    expect(
      spec('  persist;\n  sysjail.rctl = "maxproc:deny=5";\n  sysjail.rctl = "pcpu:deny=10";').limits,
    ).toEqual([{ resource: 'pcpu', action: 'deny', amount: 10 }]);
  });

  it.each([
    ['sysjail.rctl = "memoryuse:deny=64q";', '4:18: sysjail.rctl: memoryuse:deny=64q: bad amount "64q"'],
    [
      'sysjail.rctl = "maxproc:sigkill=5";',
      '4:18: sysjail.rctl: maxproc:sigkill=5: action "sigkill" is not supported for maxproc (deny)',
    ],
    [
      'sysjail.rctl = "vmemoryuse:deny=1g";',
      '4:18: sysjail.rctl: vmemoryuse:deny=1g: resource "vmemoryuse" is not supported on Linux',
    ],
    ['sysjail.rctl = "nosuch:deny=1";', '4:18: sysjail.rctl: nosuch:deny=1: unknown resource "nosuch"'],
    [
      'sysjail.rctl = "pcpu:deny=0";',
      '4:18: sysjail.rctl: pcpu:deny=0: pcpu is a percentage of one CPU, 1 or more',
    ],
    [
      'sysjail.rctl = "memoryuse:deny=1m/user";',
      '4:18: sysjail.rctl: memoryuse:deny=1m/user: per "user" is not supported: amounts are per jail',
    ],
    ['sysjail.rctl = "memoryuse:deny";', '4:18: sysjail.rctl: memoryuse:deny: expected one "="'],
    [
      'sysjail.rctl = "jail:j:maxproc:deny=5";',
      '4:18: sysjail.rctl: jail:j:maxproc:deny=5: expected resource:action=amount (no jail:NAME: subject)',
    ],
    [
      'sysjail.rctl = "maxproc:deny=5";\n  sysjail.rctl += "pcpu:deny=50",\n    "maxproc:deny=x";',
      '6:5: sysjail.rctl: maxproc:deny=x: bad amount "x"',
    ],
  ])('sysjail.rctl: %s is refused with its place', (line, message) => {
    expect(() => spec(`  persist;\n  ${line}`)).toThrow(`jail.conf:${message}`);
  });

  it('defaults: stop.timeout 10, set_hostname allowed, nothing else', () => {
    const s = spec('  persist;');
    expect(s.stopTimeout).toBe(10);
    expect(s.prison.flags).toMatchObject({ allowSetHostname: true, allowRawSockets: false, allowIpc: false });
  });

  it.each([
    ['  pth = /x;\n  persist;', 'jail.conf:3:3: unknown parameter "pth" (did you mean "path"?)'],
    [
      '  allow.raw_socket;\n  persist;',
      'jail.conf:3:3: unknown parameter "allow.raw_socket" (did you mean "allow.raw_sockets"?)',
    ],
    [
      '  vnet;\n  persist;',
      'jail.conf:3:3: vnet: not supported: Linux jails share the host network stack, confined to their addresses (no virtual stack)',
    ],
    [
      '  children.max = 2;\n  persist;',
      'jail.conf:3:3: children.max: not supported: hierarchical jails (a jail cannot create jails)',
    ],
    [
      '  allow.nomount;\n  persist;',
      'jail.conf:3:3: allow.mount: not supported: mounting is refused inside a jail',
    ],
    [
      '  mount = "/srv /elsewhere nullfs ro 0 0";\n  persist;',
      'jail.conf:3:3: mount: fstab: /elsewhere: the mount point must be inside the jail',
    ],
    [
      '  mount.nodevfs;\n  persist;',
      'jail.conf:3:3: mount.devfs: turning it off is not supported (every jail gets its own /dev)',
    ],
    ['  persist = maybe;', 'jail.conf:3:3: persist: unknown boolean value "maybe"'],
    ['  stop.timeout = soon;\n  persist;', 'jail.conf:3:3: stop.timeout: non-integer value "soon"'],
    ['  ip4.addr = 10.0.0.300;\n  persist;', 'jail.conf:3:3: invalid IP address: 10.0.0.300'],
    [
      '  host.hostname = "bad host";\n  persist;',
      'jail.conf:3:3: invalid hostname "bad host": label "bad host" must be letters, digits and inner hyphens',
    ],
    [
      '  exec.consolelog = log.txt;\n  persist;',
      'jail.conf:3:3: exec.consolelog: log.txt: not an absolute pathname',
    ],
    ['', 'jail.conf:1:1: jail j: a new jail needs persist, exec.start or command (it would have no process)'],
  ])('%s', (body, message) => {
    expect(() => spec(body)).toThrow(message);
  });

  it('a jail that does not exist on disk can still be described for removal', () => {
    const s = jailSpec(resolveJails(parseJailConf('j { path = /nonexistent; }', 'f'))[0], {
      forCreate: false,
    });
    expect(s.prison.path).toBe('/nonexistent');
  });
});

describe('the example of our jail.conf(5) (and the README)', () => {
  it('two jails: variables, a * block, persist, depend, a console log each', async () => {
    const { readFileSync } = await import('node:fs');
    const man = readFileSync(new URL('../../man/jail.conf.5', import.meta.url), 'utf8');
    const example = man
      .slice(
        man.indexOf('# Defaults for every jail.'),
        man.indexOf('.Ed', man.indexOf('# Defaults for every jail.')),
      )
      .replaceAll('\\e', '\\');
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const indented = example
      .trim()
      .split('\n')
      .map((l) => `    ${l}`.trimEnd())
      .join('\n');
    expect(readme).toContain(indented);
    const specs = resolveJails(parseJailConf(example, 'example')).map((j) =>
      jailSpec(j, { forCreate: false }),
    );
    expect(
      specs.map((s) => [s.name, s.prison.path, s.prison.hostname, s.prison.ipv4, s.depend, s.persist]),
    ).toEqual([
      ['www', '/jails/www', 'www.example', ['127.0.0.5'], ['db'], true],
      ['db', '/jails/db', 'db.example', ['127.0.0.6'], [], true],
    ]);
    expect(specs[0].hooks['exec.start']).toEqual(['/usr/sbin/httpd -p 127.0.0.5:80 -h /www']);
    expect(specs[0].consoleLog).toBe('/var/log/jail_www_console.log');
  });
});
