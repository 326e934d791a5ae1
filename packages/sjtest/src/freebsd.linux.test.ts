/**
 * sjtest's filesystem, process, hostname and network promises kept for a FreeBSD program: the FreeBSD
 * victim (victims/freebsd/victim.c, raw FreeBSD system calls) in sysjail's jail(8)
 * (packages/cli/dist/bin/jail.js, which runs FreeBSD programs under packages/emul-freebsd's layer) keeps
 * every one; the same victim under that layer with no jail breaks the promises a jail must keep (so the
 * cases are not kept by the victim itself); a tool that cannot run FreeBSD programs gets them skipped.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cases } from './cases.js';
import type { Adapter } from './preset.js';
import { findPreset } from './preset.js';
import { runCases } from './runner.js';
import { selectCases } from './select.js';
import { outcomeText } from './summary.js';

const jailJs = fileURLToPath(new URL('../../cli/dist/bin/jail.js', import.meta.url));
const layer = fileURLToPath(new URL('../../emul-freebsd/dist/native/sysjail-freebsd', import.meta.url));
const freebsd = selectCases(cases, ['freebsd'], []);
// Addresses of this file's own (the FreeBSD area's 127.0.15.0/24).
const addresses = { ip: '127.0.15.21', otherIp: '127.0.15.22' };

describe('the FreeBSD victim', () => {
  it('runs the filesystem, process, hostname and network promises', () => {
    expect(freebsd.length).toBeGreaterThan(20);
    for (const tag of ['fs', 'proc', 'hostname', 'net'])
      expect(
        freebsd.some((c) => c.tags.includes(tag)),
        tag,
      ).toBe(true);
  });

  it('in sysjail’s jail: every promise kept, in FreeBSD’s terms', async () => {
    expect(existsSync(jailJs), `${jailJs} does not exist: build packages/cli first`).toBe(true);
    const adapter = findPreset('sysjail', { jailBin: `${process.execPath} ${jailJs}` });
    const report = await runCases({
      adapter,
      cases: freebsd,
      ...addresses,
      hostname: 'bsd-jail',
      timeoutMs: 120_000,
    });
    const notKept = report.results
      .filter((r) => r.status !== 'kept')
      .map((r) => `${r.case.id}: ${r.status}: ${outcomeText(r)}`);
    expect(notKept).toEqual([]);
    const outcome = (id: string) => report.results.find((r) => r.case.id === `freebsd.${id}`)?.outcome;
    expect(outcome('host.uname')).toMatchObject({ kind: 'value', value: 'bsd-jail' });
    expect(outcome('net.bind-any')).toMatchObject({ kind: 'value', value: addresses.ip });
    expect(outcome('net.bind-other')).toMatchObject({ kind: 'err', errno: 'EADDRNOTAVAIL' });
    expect(outcome('net.raw-inet')).toMatchObject({ kind: 'err', errno: 'EPERM' });
    expect(outcome('proc.kill')).toMatchObject({ kind: 'err', errno: 'ESRCH' });
  }, 300_000);

  it('under the FreeBSD layer with no jail: the promises a jail keeps are broken', async () => {
    expect(existsSync(layer), `${layer} does not exist: build packages/emul-freebsd first`).toBe(true);
    const adapter: Adapter = {
      name: 'freebsd-layer',
      template: `sh -c 'exec ${layer} "$0" "$0" "$@"' {cmd}`,
      rootIsSlash: false,
      description: 'the FreeBSD layer alone, no jail',
    };
    const report = await runCases({ adapter, cases: freebsd, ...addresses, timeoutMs: 120_000 });
    const status = (id: string) => report.results.find((r) => r.case.id === `freebsd.${id}`)?.status;
    for (const id of [
      'fs.root',
      'fs.dotdot',
      'fs.symlink-absolute',
      'fs.symlink-relative',
      'fs.inherited-fd',
      'proc.kill',
      'host.uname',
      'host.gethostname',
      'net.raw-inet',
      'net.bind-any',
      'net.bind-loopback',
      'net.bind-other',
      'net.loopback-service-tcp',
      'net.loopback-service-udp',
      'net.listen-unbound',
    ])
      expect(status(id), id).toBe('broken');
  }, 300_000);

  it('with a tool that does not run FreeBSD programs: skipped, saying why', async () => {
    const report = await runCases({ adapter: findPreset('none'), cases: freebsd.slice(0, 3), ...addresses });
    for (const r of report.results) {
      expect(r.status, r.case.id).toBe('skipped');
      expect(r.outcome.detail).toMatch(/^skipped: the tool does not run FreeBSD programs/);
    }
  }, 120_000);
});
