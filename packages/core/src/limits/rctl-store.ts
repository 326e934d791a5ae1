/**
 * Where rctl rules live: /etc/rctl.conf (read at every jail start and by rctl; $SYSJAIL_RCTL_CONF
 * overrides the path) and the rules added with `rctl -a`, kept in the registry directory (rctl.rules,
 * one rule a line) until removed or the machine restarts (/run is a tmpfs), as FreeBSD keeps them in
 * the kernel.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RctlRuleError } from '../errors.js';
import { withLockFile } from '../registry/lock-file.js';
import { formatRctlRule, matchesFilter, parseRctlRule, type RctlFilter, type RctlRule } from './rctl-rule.js';

export function rctlConfPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SYSJAIL_RCTL_CONF || '/etc/rctl.conf';
}

/** rctl.conf(5): one rule a line, `#` comments, blank lines; a bad line is an error naming file:line. */
export function parseRctlConf(text: string, file: string): RctlRule[] {
  const out: RctlRule[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    try {
      out.push(parseRctlRule(line));
    } catch (e) {
      if (e instanceof RctlRuleError)
        throw new RctlRuleError(`${file}:${i + 1}: ${e.rule}`, e.message.slice(e.rule.length + 2));
      throw e;
    }
  });
  return out;
}

export function readRctlConf(file = rctlConfPath()): RctlRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseRctlConf(text, file);
}

/** The rules added with rctl -a, in the registry directory. */
export interface RctlStore {
  list(): RctlRule[];
  /** Adds a rule (a rule already there is not added twice). */
  add(rule: RctlRule): void;
  /** Removes the rules matching; returns them. */
  remove(filter: RctlFilter): RctlRule[];
}

export function openRctlStore(registryDir: string): RctlStore {
  const file = join(registryDir, 'rctl.rules');
  const lock = join(registryDir, '.rctl.flock');
  const read = (): RctlRule[] => {
    try {
      return parseRctlConf(readFileSync(file, 'utf8'), file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  };
  const save = (rules: readonly RctlRule[]) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, rules.map((r) => `${formatRctlRule(r)}\n`).join(''), { mode: 0o644 });
    renameSync(tmp, file);
  };
  return {
    list: read,
    add(rule) {
      withLockFile(lock, () => {
        const rules = read();
        const text = formatRctlRule(rule);
        if (!rules.some((r) => formatRctlRule(r) === text)) save([...rules, rule]);
      });
    },
    remove(filter) {
      return withLockFile(lock, () => {
        const rules = read();
        const gone = rules.filter((r) => matchesFilter(r, filter));
        if (gone.length > 0) save(rules.filter((r) => !matchesFilter(r, filter)));
        return gone;
      });
    },
  };
}
