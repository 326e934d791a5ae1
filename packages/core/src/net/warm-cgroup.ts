/**
 * A prewarmed process's warm cgroup: it keeps the kernel's cgroup eBPF hooks of the jails' address
 * programs switched on while the process lives (see keepAddressHooksOn).
 */
import { rmdirSync } from 'node:fs';
import { confineAddresses } from './confine-addresses.js';
import { JailCgroup } from './jail-cgroup.js';

/** The name of a process's cgroup that keeps the address hooks on (see keepAddressHooksOn). */
export const warmCgroupName = (pid: number) => `warm-${pid}`;

/** keepAddressHooksOn was called (it tries once per process). */
let warmTried = false;

/**
 * The kernel runs a cgroup eBPF hook only while some cgroup has a program of its attach type: a switch
 * per type (a static key), turned by patching the kernel's code on every CPU. With no other cgroup
 * holding them, a jail's seven attachments turned seven switches on (and its cgroup's release turned
 * them off again): 0.59 against 0.09 ms of a start. A prewarmed process keeps them on while it lives:
 * its own empty cgroup, <cgroup2>/sysjail/warm-<pid>, with the programs of a jail of no address attached
 * (they refuse every address; no process is ever put in it). Removed when the process exits; a killed
 * process's is removed with the stale jail cgroups. Best effort: without it starts are only slower.
 */
export function keepAddressHooksOn(): void {
  if (warmTried) return;
  warmTried = true;
  let cgroup: JailCgroup;
  try {
    cgroup = JailCgroup.create(warmCgroupName(process.pid));
  } catch {
    return; // made already (another copy of this module in the process), or no cgroup2
  }
  try {
    confineAddresses(cgroup, { ipv4: [], ipv6: [] });
  } catch {
    rmdirQuietly(cgroup.path);
    return;
  }
  process.once('exit', () => rmdirQuietly(cgroup.path));
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {}
}
