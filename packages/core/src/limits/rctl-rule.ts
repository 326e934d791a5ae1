/**
 * rctl(8) rules for jails, FreeBSD's syntax: `jail:NAME:RESOURCE:ACTION=AMOUNT[/jail]`, and filters
 * (`jail:NAME`, `jail:NAME:RESOURCE`, ...) for removal and listing. Only the subject `jail` exists here.
 */
import { RctlRuleError } from '../errors.js';

export type RctlUnit = 'bytes' | 'count' | 'percent' | 'seconds' | 'bytes/s' | 'ops/s';

/** How each resource is enforced on Linux, and which FreeBSD actions it takes. */
export interface RctlResource {
  readonly unit: RctlUnit;
  readonly actions: readonly string[];
  /** One line for rctl(8)'s table and error messages. */
  readonly enforced: string;
}

const SIGNALS = [
  'sighup',
  'sigint',
  'sigquit',
  'sigabrt',
  'sigkill',
  'sigusr1',
  'sigusr2',
  'sigalrm',
  'sigterm',
  'sigxcpu',
  'sigxfsz',
] as const;

/** The resources sysjail enforces (the source of truth for rctl.8's table). */
export const rctlResources: Readonly<Record<string, RctlResource>> = {
  memoryuse: {
    unit: 'bytes',
    actions: ['deny'],
    enforced: 'memory cgroup limit (reclaim, then the OOM killer)',
  },
  maxproc: {
    unit: 'count',
    actions: ['deny'],
    enforced: 'pids cgroup limit (fork fails with EAGAIN; counts threads)',
  },
  pcpu: {
    unit: 'percent',
    actions: ['deny'],
    enforced: 'CFS bandwidth quota, percent of one CPU (throttled)',
  },
  cputime: {
    unit: 'seconds',
    actions: [...SIGNALS],
    enforced: "the jail's CPU time, checked every second; the signal goes to every process of the jail",
  },
  openfiles: {
    unit: 'count',
    actions: ['deny'],
    enforced: 'RLIMIT_NOFILE of the jail init, inherited by the processes started after the rule',
  },
  readbps: { unit: 'bytes/s', actions: ['deny', 'throttle'], enforced: 'block I/O throttle on every disk' },
  writebps: { unit: 'bytes/s', actions: ['deny', 'throttle'], enforced: 'block I/O throttle on every disk' },
  readiops: { unit: 'ops/s', actions: ['deny', 'throttle'], enforced: 'block I/O throttle on every disk' },
  writeiops: { unit: 'ops/s', actions: ['deny', 'throttle'], enforced: 'block I/O throttle on every disk' },
};

/** FreeBSD resources and actions that exist but are not enforced here, refused by name. */
const knownResources = [
  'datasize',
  'stacksize',
  'coredumpsize',
  'memorylocked',
  'vmemoryuse',
  'pseudoterminals',
  'swapuse',
  'nthr',
  'msgqqueued',
  'msgqsize',
  'nmsgq',
  'nsem',
  'nsemop',
  'nshm',
  'shmsize',
  'wallclock',
];
const knownActions = ['deny', 'log', 'devctl', 'throttle', ...SIGNALS];

export interface RctlRule {
  readonly subject: 'jail';
  /** Jail name or JID. */
  readonly jail: string;
  readonly resource: string;
  readonly action: string;
  /** Bytes, a count, percent, seconds, bytes or operations per second. */
  readonly amount: number;
}

/** A filter: a rule with trailing parts left out (`jail:`, `jail:www`, `jail:www:memoryuse`). */
export interface RctlFilter {
  readonly jail?: string;
  readonly resource?: string;
  readonly action?: string;
  readonly amount?: number;
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** `512m` → 536870912 (rctl's suffixes: k, m, g, t, p, powers of 1024). */
export function parseAmount(text: string, rule: string): number {
  const m = /^([0-9]+)([kmgtp]?)$/i.exec(text);
  if (!m) throw new RctlRuleError(rule, `bad amount "${text}"`);
  const n = Number(m[1]) * UNITS[m[2].toLowerCase()];
  if (!Number.isSafeInteger(n)) throw new RctlRuleError(rule, `amount "${text}" too large`);
  return n;
}

/** rctl -h: 1073741824 → 1024M (largest suffix that divides exactly, as humanize_number does for rctl). */
export function humanAmount(n: number): string {
  for (const s of ['P', 'T', 'G', 'M', 'K']) {
    const u = UNITS[s.toLowerCase()];
    if (n >= u && n % u === 0) return `${n / u}${s}`;
  }
  return String(n);
}

function checkJail(jail: string, rule: string): string {
  if (!/^[A-Za-z0-9_.-]{1,255}$/.test(jail)) throw new RctlRuleError(rule, `bad jail name "${jail}"`);
  return jail;
}

function checkSubject(subject: string, rule: string): void {
  if (subject === 'jail' || subject === 'j') return;
  if (['user', 'u', 'process', 'p', 'loginclass', 'l'].includes(subject)) {
    throw new RctlRuleError(rule, `subject "${subject}" is not supported: only jail rules exist here`);
  }
  throw new RctlRuleError(rule, `unknown subject "${subject}"`);
}

function checkResource(resource: string, rule: string): void {
  if (resource in rctlResources) return;
  if (knownResources.includes(resource)) {
    throw new RctlRuleError(rule, `resource "${resource}" is not supported on Linux`);
  }
  throw new RctlRuleError(rule, `unknown resource "${resource}"`);
}

function checkAction(resource: string, action: string, rule: string): void {
  if (rctlResources[resource].actions.includes(action)) return;
  if (knownActions.includes(action)) {
    throw new RctlRuleError(
      rule,
      `action "${action}" is not supported for ${resource} (${rctlResources[resource].actions.join(', ')})`,
    );
  }
  throw new RctlRuleError(rule, `unknown action "${action}"`);
}

/** Parses a full rule: `jail:NAME:RESOURCE:ACTION=AMOUNT[/jail]`. */
export function parseRctlRule(text: string): RctlRule {
  const [head, amountPer, ...more] = text.split('=');
  if (amountPer === undefined || more.length > 0) throw new RctlRuleError(text, 'expected one "="');
  const parts = head.split(':');
  if (parts.length !== 4) throw new RctlRuleError(text, 'expected subject:subject-id:resource:action=amount');
  const [subject, jail, resource, action] = parts;
  checkSubject(subject, text);
  checkJail(jail, text);
  checkResource(resource, text);
  checkAction(resource, action, text);
  const [amountText, per] = amountPer.split('/');
  if (per !== undefined && per !== 'jail' && per !== 'j') {
    throw new RctlRuleError(text, `per "${per}" is not supported: amounts are per jail`);
  }
  let amount = parseAmount(amountText, text);
  if (resource === 'pcpu' && (amount < 1 || amount > 100 * 1024)) {
    throw new RctlRuleError(text, 'pcpu is a percentage of one CPU, 1 or more');
  }
  if (rctlResources[resource].unit === 'count' && amount < 1) amount = 0;
  return { subject: 'jail', jail, resource, action, amount };
}

/** Parses a filter: `jail:`, `jail:NAME`, `jail:NAME:RESOURCE`, `jail:NAME:RESOURCE:ACTION[=AMOUNT]`. */
export function parseRctlFilter(text: string): RctlFilter {
  const [head, amountText] = text.split('=');
  const parts = head.split(':');
  if (parts.length > 4) throw new RctlRuleError(text, 'too many fields');
  const [subject, jail, resource, action] = parts;
  checkSubject(subject, text);
  const f: { -readonly [K in keyof RctlFilter]: RctlFilter[K] } = {};
  if (jail) f.jail = checkJail(jail, text);
  if (resource) {
    checkResource(resource, text);
    f.resource = resource;
  }
  if (action) {
    if (!knownActions.includes(action)) throw new RctlRuleError(text, `unknown action "${action}"`);
    f.action = action;
  }
  if (amountText !== undefined) f.amount = parseAmount(amountText.split('/')[0], text);
  return f;
}

export function matchesFilter(rule: RctlRule, f: RctlFilter): boolean {
  return (
    (f.jail === undefined || f.jail === rule.jail) &&
    (f.resource === undefined || f.resource === rule.resource) &&
    (f.action === undefined || f.action === rule.action) &&
    (f.amount === undefined || f.amount === rule.amount)
  );
}

/** `jail:www:memoryuse:deny=1073741824` (or `=1024M` with human units). */
export function formatRctlRule(rule: RctlRule, human = false): string {
  const amount =
    human && rctlResources[rule.resource].unit.startsWith('bytes')
      ? humanAmount(rule.amount)
      : String(rule.amount);
  return `jail:${rule.jail}:${rule.resource}:${rule.action}=${amount}`;
}

/** Whether a rule is for this jail (by name or JID). */
export function ruleApplies(rule: RctlRule, jail: { readonly jid: number; readonly name?: string }): boolean {
  return rule.jail === String(jail.jid) || (jail.name !== undefined && rule.jail === jail.name);
}

/**
 * The rules in force for a jail: for each resource and action, the smallest amount (the strictest rule
 * wins, as each FreeBSD rule is checked on its own).
 */
export function effectiveRules(rules: readonly RctlRule[]): RctlRule[] {
  const best = new Map<string, RctlRule>();
  for (const r of rules) {
    const key = `${r.resource}:${r.action}`;
    const had = best.get(key);
    if (!had || r.amount < had.amount) best.set(key, r);
  }
  return [...best.values()];
}
