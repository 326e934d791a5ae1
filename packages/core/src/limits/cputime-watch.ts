/**
 * cputime rules: the kernel has no per-cgroup CPU-time limit, so the supervisor reads the jail's CPU time
 * (cpu.stat of its unified cgroup) every second and, once a rule's amount is passed, sends the rule's
 * signal to every process of the jail, once per rule (FreeBSD's rctl acts when the amount is exceeded).
 */
import { cpuUsageMicros } from './limit-cgroups.js';
import type { RctlRule } from './rctl-rule.js';

export function watchCputime(
  jailCgroup: string,
  rulesInForce: () => readonly RctlRule[],
  signalAll: (signal: NodeJS.Signals) => void,
  intervalMs = 1000,
): () => void {
  const fired = new Set<string>();
  const timer = setInterval(() => {
    let rules: readonly RctlRule[];
    try {
      rules = rulesInForce().filter((r) => r.resource === 'cputime');
    } catch {
      return;
    }
    if (rules.length === 0) return;
    const seconds = cpuUsageMicros(jailCgroup) / 1e6;
    for (const r of rules) {
      const key = `${r.action}=${r.amount}`;
      if (seconds <= r.amount || fired.has(key)) continue;
      fired.add(key);
      signalAll(r.action.toUpperCase() as NodeJS.Signals);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
