import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cpuUsageMicros,
  formatRctlRule,
  hostControllerLayout,
  humanAmount,
  instantUsage,
  ioCounters,
  type JailRecord,
  matchesFilter,
  openRctlStore,
  openRegistry,
  parseRctlFilter,
  parseRctlRule,
  type RctlRule,
  RctlRuleError,
  type Registry,
  readRctlConf,
  reapplyLimits,
  ruleApplies,
} from '@sysjail/core';
import { getopt } from '../config/getopt.js';
import { JailNotFoundError, NotRootError, UsageError } from '../errors.js';

/** The order rctl -u prints resources in (FreeBSD's resource order, those enforced here). */
const USAGE_ORDER = [
  'cputime',
  'memoryuse',
  'maxproc',
  'openfiles',
  'pcpu',
  'readbps',
  'writebps',
  'readiops',
  'writeiops',
] as const;
const HUMAN = new Set(['memoryuse', 'readbps', 'writebps']);

/** A bad rule or filter is a usage error (exit 2). */
function rule(text: string): RctlRule {
  try {
    return parseRctlRule(text);
  } catch (e) {
    if (e instanceof RctlRuleError) throw new UsageError('BAD_RULE', e.message);
    throw e;
  }
}

function filter(text: string) {
  try {
    return parseRctlFilter(text);
  } catch (e) {
    if (e instanceof RctlRuleError) throw new UsageError('BAD_RULE', e.message);
    throw e;
  }
}

/** Every rule: rctl.conf's, rctl -a's, and those the running jails were given (sysjail --memory ...). */
function allRules(registry: Registry, live: readonly JailRecord[]): RctlRule[] {
  const seen = new Set<string>();
  const out: RctlRule[] = [];
  for (const r of [
    ...readRctlConf(),
    ...openRctlStore(registry.dir).list(),
    ...live.flatMap((j) => j.jailRules ?? []),
  ]) {
    const key = formatRctlRule(r);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

/** Re-applies the limits of every running jail a rule names. */
function reapplyFor(registry: Registry, rules: readonly RctlRule[]): void {
  for (const record of registry.list()) {
    if (rules.some((r) => ruleApplies(r, record))) reapplyLimits(registry, record);
  }
}

/** The jail a `jail:NAME` filter names, running. */
function jailOf(registry: Registry, text: string): JailRecord {
  const f = filter(text);
  if (f.jail === undefined) throw new UsageError('BAD_RULE', `${text}: name a jail (jail:NAME)`);
  const record = registry.find(f.jail);
  if (!record) throw new JailNotFoundError(f.jail);
  return record;
}

/** rctl -u: instant usage, and rates sampled over a quarter of a second (pcpu, I/O). */
async function jailUsage(record: JailRecord, human: boolean): Promise<string> {
  const cgroup = record.cgroupPath;
  if (cgroup === undefined) throw new UsageError('JAIL_NOT_FOUND', `jail ${record.jid} has no cgroup yet`);
  const layout = hostControllerLayout();
  const cgroups = record.limitCgroups ?? {};
  const pids = () =>
    readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  const cpu0 = cpuUsageMicros(cgroup);
  const io0 = ioCounters(layout, cgroups);
  const t0 = performance.now();
  await sleep(250);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuUsageMicros(cgroup);
  const io1 = ioCounters(layout, cgroups);
  const values: Record<string, number> = {
    ...instantUsage(layout, cgroups, cgroup, pids()),
    pcpu: Math.round((cpu1 - cpu0) / 1e4 / seconds),
  };
  for (const k of Object.keys(io1)) values[k] = Math.round((io1[k] - io0[k]) / seconds);
  return USAGE_ORDER.map((r) => {
    const v = values[r] ?? 0;
    return `${r}=${human && HUMAN.has(r) ? humanAmount(v) : v}\n`;
  }).join('');
}

/**
 * rctl(8): `rctl [-h] [-n] [filter]`, `rctl -a rule ...`, `rctl -r filter ...`, `rctl -u [-h] [-n] filter`.
 * Returns what to print.
 */
export async function rctlMain(
  argv: readonly string[],
  registry: Registry = openRegistry(),
  euid: number = process.geteuid?.() ?? -1,
): Promise<string> {
  const { options, operands } = getopt(argv, { short: 'ahlnru' });
  const has = (n: string) => options.some((o) => o.name === n);
  const human = has('h');
  const modes = ['a', 'l', 'r', 'u'].filter(has);
  if (modes.length > 1) throw new UsageError('CONFLICTING_OPTIONS', `-${modes[0]} and -${modes[1]} together`);
  const mode = modes[0];
  if (mode === 'l') throw new UsageError('UNSUPPORTED', '-l: there are no process subjects here, only jails');
  if ((mode === 'a' || mode === 'r' || mode === 'u') && operands.length === 0) {
    throw new UsageError('MISSING_ARGUMENT', mode === 'a' ? 'missing rule' : 'missing filter');
  }
  if (mode === 'a') {
    const rules = operands.map(rule);
    if (euid !== 0) throw new NotRootError('rctl');
    const store = openRctlStore(registry.dir);
    for (const r of rules) store.add(r);
    reapplyFor(registry, rules);
    return '';
  }
  if (mode === 'r') {
    const filters = operands.map(filter);
    if (euid !== 0) throw new NotRootError('rctl');
    const store = openRctlStore(registry.dir);
    const removed: RctlRule[] = [];
    for (const f of filters) removed.push(...store.remove(f));
    // rules given with a running jail go too, as FreeBSD removes any rule in the kernel
    for (const record of registry.list()) {
      const kept = (record.jailRules ?? []).filter((r) => !filters.some((f) => matchesFilter(r, f)));
      if (kept.length !== (record.jailRules?.length ?? 0)) {
        removed.push(...(record.jailRules ?? []).filter((r) => !kept.includes(r)));
        reapplyLimits(registry, registry.update(record.jid, { jailRules: kept }));
      }
    }
    const confRules = readRctlConf().filter((r) => filters.some((f) => matchesFilter(r, f)));
    if (removed.length === 0 && confRules.length > 0) {
      throw new UsageError(
        'RULE_IN_CONF',
        `${formatRctlRule(confRules[0])}: set in rctl.conf, remove it there`,
      );
    }
    reapplyFor(registry, removed);
    return '';
  }
  if (mode === 'u') {
    if (operands.length > 1) throw new UsageError('EXTRA_OPERANDS', `unexpected operand: ${operands[1]}`);
    return jailUsage(jailOf(registry, operands[0]), human);
  }
  if (operands.length > 1) throw new UsageError('EXTRA_OPERANDS', `unexpected operand: ${operands[1]}`);
  const f = operands.length === 1 ? filter(operands[0]) : {};
  return allRules(registry, registry.list())
    .filter((r) => matchesFilter(r, f))
    .map((r) => `${formatRctlRule(r, human)}\n`)
    .join('');
}
