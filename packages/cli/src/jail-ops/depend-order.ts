// `depend`: a jail's dependencies are created before it (and created if they are not running), and
// removed after it (its dependents, if running, are removed first).
import { JailConfError } from '../errors.js';
import type { JailSpec } from '../jail-conf/jail-spec.js';

/** The jails to create, dependencies first: the requested ones and what they need that is not running. */
export function creationOrder(
  specs: ReadonlyMap<string, JailSpec>,
  requested: readonly string[],
  isRunning: (name: string) => boolean,
): JailSpec[] {
  const order: JailSpec[] = [];
  const done = new Set<string>();
  const visit = (name: string, chain: string[], asked: boolean) => {
    if (chain.includes(name)) {
      throw new JailConfError(
        specs.get(name)?.pos,
        `depend: ${[...chain, name].join(' -> ')}: a dependency loop`,
      );
    }
    if (done.has(name)) return;
    const spec = specs.get(name);
    if (!spec) {
      const from = specs.get(chain.at(-1) ?? '');
      throw new JailConfError(from?.pos, `${chain.at(-1)}: depend: jail ${name} is not defined`);
    }
    for (const d of spec.depend) visit(d, [...chain, name], false);
    done.add(name);
    if (asked || !isRunning(name)) order.push(spec);
  };
  for (const n of requested) visit(n, [], true);
  return order;
}

/**
 * The running jails to remove, dependents first: the requested ones and every running jail that
 * depends on one of them (directly or not).
 */
export function removalOrder(
  specs: ReadonlyMap<string, JailSpec>,
  requested: readonly string[],
  running: readonly string[],
): string[] {
  const dependents = (name: string) => running.filter((r) => specs.get(r)?.depend.includes(name));
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (done.has(name) || chain.includes(name)) return;
    for (const d of dependents(name)) visit(d, [...chain, name]);
    done.add(name);
    order.push(name);
  };
  for (const n of requested) visit(n, []);
  return order;
}
