import type { FilterOp } from './ir.js';

/** What the accumulator holds: a seccomp_data word, masked or not. */
interface Held {
  readonly offset: number;
  readonly mask?: number;
}

/** Not known (no seccomp_data offset is negative). */
const UNKNOWN: Held = { offset: -1 };

const same = (a: Held, b: Held): boolean =>
  a !== UNKNOWN && b !== UNKNOWN && a.offset === b.offset && a.mask === b.mask;

/**
 * Drops loads of a word the accumulator already holds on every path that reaches them: `ld off` when A
 * is that word, `ld off; and m` when A is that word masked by m. Jumps only go forward, so one pass in
 * program order sees every way into a label before the label. Decisions are unchanged: a dropped
 * instruction would have put into A what A already held.
 */
export function dropRedundantLoads(ops: readonly FilterOp[]): FilterOp[] {
  const out: FilterOp[] = [];
  // Per label: what A holds on the jumps seen so far into it (UNKNOWN: they disagree or do not know).
  const into = new Map<string, Held>();
  const jumpInto = (label: string, held: Held) => {
    const known = into.get(label);
    if (known === undefined) into.set(label, held);
    else if (known !== held && !same(known, held)) into.set(label, UNKNOWN);
  };
  // What A holds where control falls through to this point; `reached` false after a jump or ret.
  let held: Held = UNKNOWN;
  let reached = true;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    switch (op.op) {
      case 'label': {
        const jumped = into.get(op.name);
        if (!reached) held = jumped ?? UNKNOWN;
        else if (jumped !== undefined && !same(held, jumped)) held = UNKNOWN;
        reached = true;
        out.push(op);
        break;
      }
      case 'ld': {
        const next = ops[i + 1];
        if (held.offset === op.offset && held.mask === undefined) break;
        if (next?.op === 'and' && held.offset === op.offset && held.mask === next.k >>> 0) {
          i += 1;
          break;
        }
        held = { offset: op.offset };
        out.push(op);
        break;
      }
      case 'and':
        held =
          held === UNKNOWN
            ? UNKNOWN
            : { offset: held.offset, mask: ((held.mask ?? 0xffffffff) & op.k) >>> 0 };
        out.push(op);
        break;
      case 'jump':
        jumpInto(op.whenTrue, held);
        jumpInto(op.whenFalse, held);
        reached = false;
        out.push(op);
        break;
      case 'goto':
        jumpInto(op.target, held);
        reached = false;
        out.push(op);
        break;
      case 'ret':
        reached = false;
        out.push(op);
        break;
    }
  }
  return out;
}
