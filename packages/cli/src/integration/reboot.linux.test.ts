/**
 * reboot(2) inside ends the jail (every process of it), the `jail` command exits and the host is
 * untouched. The victim calls reboot only after proving it is not in the host's PID namespace (the host's
 * namespace inode is its argument); if it cannot prove it, it refuses and the test fails.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cgroupProcs, hostPidNamespace, registryEntries, waitForRecord } from './host-state.js';
import { type JailFixture, makeJailFixture } from './jail-fixture.js';
import { startJailCommand } from './run-tool.js';

let fx: JailFixture;
beforeAll(() => {
  fx = makeJailFixture('reboot');
});
afterAll(() => fx?.cleanup());

const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8');

describe.each(['probe64', 'probe32'])('reboot inside (%s)', (probe) => {
  it('ends the jail and all its processes; the jail command exits; the host is untouched', async () => {
    const hostNs = hostPidNamespace();
    const boot = bootId();
    const jail = startJailCommand(
      fx,
      [fx.root, 'reboot.example', '127.0.0.5', `/bin/${probe}`, 'reboot', String(hostNs)],
      {
        timeoutMs: 20_000,
      },
    );
    await jail.waitFor(/^ready$/);
    const out = jail.stdout();
    expect(out).toMatch(/^pidns [0-9]+$/m);
    expect(Number(out.match(/^pidns ([0-9]+)$/m)![1])).not.toBe(hostNs);
    const record = await waitForRecord(fx.runDir);
    const procs = cgroupProcs(record.cgroupPath!);
    // init, the probe and its paused child
    expect(procs.length).toBe(3);
    jail.child.stdin!.end('go\n');
    const r = await jail.done;
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/still-alive|reboot-returned/);
    expect(procs.filter(alive)).toEqual([]);
    expect(registryEntries(fx.runDir)).toEqual([]);
    expect(bootId()).toBe(boot);
    expect(hostPidNamespace()).toBe(hostNs);
  });
});
