/**
 * A jail's resource limits as one stage: the rules for it (its own, rctl -a's, /etc/rctl.conf's) reduced
 * to those in force, the controller cgroups they need made and written, the init moved in, RLIMIT_NOFILE
 * set on the init; undone with the jail. The same code re-applies them to a running jail for rctl.
 */
import { readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { prlimit64, RLIMIT_NOFILE } from '@sysjail/systrace-bindings';
import { LimitError } from '../errors.js';
import type { JailRecord } from '../registry/jail-record.js';
import type { Registry } from '../registry/registry.js';
import { type ControllerLayout, controllerLayout } from './cgroup-controllers.js';
import {
  controllersFor,
  joinLimitCgroups,
  type LimitCgroups,
  makeLimitCgroups,
  removeLimitCgroups,
  v1Paths,
  writeLimits,
} from './limit-cgroups.js';
import { effectiveRules, parseRctlRule, type RctlRule, ruleApplies } from './rctl-rule.js';
import { openRctlStore, readRctlConf } from './rctl-store.js';

/** A limit given with the jail (sysjail --memory ...): a rule without its subject. */
export interface JailLimit {
  readonly resource: string;
  readonly action: string;
  readonly amount: number;
}

let layoutCache: ControllerLayout | undefined;
export function hostControllerLayout(): ControllerLayout {
  layoutCache ??= controllerLayout();
  return layoutCache;
}

/** Every rule for the jail: its own, then rctl -a's and rctl.conf's that name it (by name or JID). */
export function rulesForJail(
  registryDir: string | undefined,
  jail: { readonly jid: number; readonly name?: string },
  own: readonly RctlRule[],
): RctlRule[] {
  const stored = [...readRctlConf(), ...(registryDir ? openRctlStore(registryDir).list() : [])];
  return [...own, ...stored.filter((r) => ruleApplies(r, jail))];
}

/** A jail's own limits as rules on it (by name when it has one, as rctl lists them). */
export function ownRules(
  jail: { readonly jid: number; readonly name?: string },
  limits: readonly JailLimit[] = [],
): RctlRule[] {
  const id = jail.name ?? String(jail.jid);
  return limits.map((l) => parseRctlRule(`jail:${id}:${l.resource}:${l.action}=${l.amount}`));
}

function unifiedPids(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

export interface AppliedLimits {
  readonly cgroups: LimitCgroups;
  /** The rules in force. */
  readonly rules: readonly RctlRule[];
}

/**
 * Makes the controller cgroups the rules need (keeping those made before), writes every limit, moves
 * the jail's processes in (the init alone at start) and sets RLIMIT_NOFILE on the init.
 */
export function applyLimits(
  rules: readonly RctlRule[],
  jailCgroup: string,
  initPid: number,
  existing: LimitCgroups = {},
): AppliedLimits {
  const inForce = effectiveRules(rules);
  const layout = hostControllerLayout();
  let cgroups: LimitCgroups = existing;
  try {
    cgroups = makeLimitCgroups(layout, controllersFor(inForce), jailCgroup, existing);
    writeLimits(layout, cgroups, inForce);
    joinLimitCgroups(cgroups, jailCgroup, () => unifiedPids(jailCgroup));
    const nofile = inForce.find((r) => r.resource === 'openfiles');
    if (nofile) {
      try {
        prlimit64(initPid, RLIMIT_NOFILE, { cur: BigInt(nofile.amount), max: BigInt(nofile.amount) });
      } catch (e) {
        throw new LimitError(
          `openfiles=${nofile.amount}: ${(e as Error).message} (root here can lower the limit, not raise it)`,
          { cause: e },
        );
      }
    }
  } catch (e) {
    // cgroups made here and still empty go; ones holding processes go with the jail (or as stale)
    for (const path of v1Paths(cgroups, jailCgroup)) {
      if (!Object.values(existing).includes(path)) {
        try {
          rmdirSync(path);
        } catch {}
      }
    }
    throw e;
  }
  return { cgroups, rules: inForce };
}

/** Re-applies the rules of a running jail (after rctl -a / -r) and records what is in force. */
export function reapplyLimits(registry: Registry, record: JailRecord): void {
  if (record.cgroupPath === undefined || record.initPid === undefined) return;
  const rules = rulesForJail(registry.dir, record, record.jailRules ?? []);
  const applied = applyLimits(rules, record.cgroupPath, record.initPid, record.limitCgroups);
  registry.update(record.jid, { limitCgroups: applied.cgroups, limits: applied.rules });
}

/** Removes a jail's v1 limit cgroups, as recorded (rctl may have added some since the start). */
export async function releaseLimits(
  registry: Registry | undefined,
  jid: number,
  fallback: AppliedLimits | undefined,
  jailCgroup: string,
): Promise<void> {
  let cgroups = fallback?.cgroups ?? {};
  try {
    const r = registry?.find(jid);
    if (r?.limitCgroups) cgroups = { ...cgroups, ...r.limitCgroups };
  } catch {}
  await removeLimitCgroups(cgroups, jailCgroup);
}

/** Stale-record healing: removes a dead jail's empty v1 limit cgroups (busy ones are left for later). */
export function removeStaleLimitCgroupsOf(record: JailRecord): void {
  if (!record.limitCgroups || record.cgroupPath === undefined) return;
  for (const path of v1Paths(record.limitCgroups, record.cgroupPath)) {
    try {
      rmdirSync(path);
    } catch {}
  }
}
