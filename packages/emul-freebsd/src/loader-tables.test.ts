import { describe, expect, it } from 'vitest';
import { generateLoaderTables, refusedCalls, SYSCTL_OWN_OID, sysctlOids } from './loader-tables.js';
import { amd64 } from './tables/amd64.js';
import { compatTranslations, sysctls, translations } from './translation.js';

const nrOf = (name: string) => amd64.entries.find((e) => e.name === name)?.nr;

describe('the loader tables generated from the TypeScript data', () => {
  const h = generateLoaderTables();

  it('translate only calls of the FreeBSD table, each once, by number', () => {
    for (const name of Object.keys(translations)) {
      const nr = nrOf(name);
      expect(nr, name).toBeDefined();
      expect(h).toContain(`\t[${nr}] = {`);
      expect(h).toContain(`/* ${name} */`);
    }
    expect(h).toContain(`[${nrOf('read')}] = { __NR_read, 1,`);
    expect(h).toContain(`[${nrOf('thr_new')}] = { -1, 1, {0}, t_thr_new }`);
    for (const [nr, t] of Object.entries(compatTranslations)) {
      expect(amd64.entries.some((e) => e.nr === Number(nr))).toBe(false);
      expect(h).toContain(`[${nr}] = { -1, 1, {0}, t_${t.handler} }`);
    }
  });

  it('leave untranslated calls out (they fail with ENOSYS in the loader)', () => {
    for (const name of ['ptrace', 'kldload', 'jail_attach', 'aio_read', 'ksem_open']) {
      expect(translations[name], name).toBeUndefined();
      expect(h).not.toMatch(new RegExp(`\\[${nrOf(name)}\\] = \\{ `));
    }
  });

  it('refuse what the FreeBSD jail policy refuses whatever the arguments', () => {
    const refused = refusedCalls();
    expect(refused.get(nrOf('mount') as number)).toBe('EPERM');
    expect(refused.get(nrOf('kldload') as number)).toBe('EPERM');
    expect(refused.get(nrOf('jail_attach') as number)).toBe('EPERM');
    // Calls decided on their arguments (socket, ioctl, mknodat) or on the jail's flags (SysV IPC and
    // allow.sysvipc) are left to the jail's Linux filter.
    expect(refused.has(nrOf('semget') as number)).toBe(false);
    expect(refused.has(nrOf('shmget') as number)).toBe(false);
    expect(refused.has(nrOf('socket') as number)).toBe(false);
    expect(refused.has(nrOf('mknodat') as number)).toBe(false);
    expect(h).toContain(`[${nrOf('mount')}] = 1, /* mount: EPERM */`);
  });

  it('map errnos by the Linux macro of the FreeBSD name, aliases once', () => {
    expect(h).toContain('#ifdef EAGAIN\n\t[EAGAIN] = 35,');
    expect(h).toContain('#ifdef ENOSYS\n\t[ENOSYS] = 78,');
    expect(h).not.toContain('[EWOULDBLOCK]');
    expect(h).toContain('#ifdef ENODATA\n\t[ENODATA] = 87,');
  });

  it('map signals both ways by name', () => {
    expect(h).toContain('\t[30] = SIGUSR1,');
    expect(h).toContain('\t[SIGUSR1] = 30,');
    expect(h).toContain('\t[20] = SIGCHLD,');
  });

  it('give every sysctl an OID: FreeBSD fixed ones, the loader’s own from 0x1000', () => {
    const oids = sysctlOids();
    expect(oids.get('kern.ostype')).toEqual([1, 1]);
    expect(oids.get('hw.ncpu')).toEqual([6, 3]);
    const own = oids.get('security.jail.jailed') as number[];
    expect(own).toHaveLength(1);
    expect(own[0]).toBeGreaterThanOrEqual(SYSCTL_OWN_OID);
    expect(new Set([...oids.values()].map((o) => o.join('.'))).size).toBe(sysctls.length);
    expect(h).toContain('{ "kern.ostype", {1, 1}, 2, \'s\', 0, "FreeBSD", SRC_CONST }');
    expect(h).toContain('{ "kern.hostname", {1, 10}, 2, \'s\', 0, "", SRC_HOSTNAME }');
    expect(h).toContain('#define FBSD_CTL_SYSCTL 0\n#define FBSD_CTL_SYSCTL_NAME2OID 3');
  });
});
