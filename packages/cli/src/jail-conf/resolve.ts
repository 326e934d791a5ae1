// A jail's parameters as jail(8) sees them (FreeBSD's load_config): its name, then the parameters of
// the wildcard blocks before it, its own, and those of the wildcard blocks after it, later settings
// replacing earlier ones (`+=` appends); then variables substituted per jail.
import { JailConfError } from '../errors.js';
import type { ConfBlock, ConfParam, ConfValue } from './parser.js';
import type { SourcePos } from './source.js';

export interface ResolvedParam {
  /** The name as last written (`allow.noraw_sockets` and `allow.raw_sockets` are one parameter). */
  readonly name: string;
  readonly values: readonly string[];
  /** Where it was last set. */
  readonly pos: SourcePos;
  /** Where each value was written (a `+=` list's values come from several lines). */
  readonly valuePos?: readonly SourcePos[];
}

export interface ResolvedJail {
  readonly name: string;
  readonly pos: SourcePos;
  /** Parameters in order of first setting; variables are gone. */
  readonly params: readonly ResolvedParam[];
}

interface Entry {
  name: string;
  variable: boolean;
  values: ConfValue[];
  pos: SourcePos;
  resolved?: string[];
  resolvedPos?: SourcePos[];
  resolving?: boolean;
}

export function isWildcard(name: string): boolean {
  return name.includes('*');
}

/** `*` matches every jail; `foo.*` matches foo.bar and foo.bar.baz. */
export function wildcardMatches(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/** FreeBSD's equalopts: equal names, or equal but for a `no` prefix on the last component. */
export function sameParameter(a: string, b: string): boolean {
  if (a === b) return true;
  const split = (s: string) => {
    const dot = s.lastIndexOf('.');
    return [s.slice(0, dot + 1), s.slice(dot + 1)] as const;
  };
  const [pa, la] = split(a);
  const [pb, lb] = split(b);
  if (pa !== pb) return false;
  return (la.startsWith('no') && la.slice(2) === lb) || (lb.startsWith('no') && lb.slice(2) === la);
}

/** Every jail defined in the blocks (not the wildcards), each with its parameters resolved. */
export function resolveJails(blocks: readonly ConfBlock[]): ResolvedJail[] {
  const jails: ResolvedJail[] = [];
  const seen = new Map<string, SourcePos>();
  for (const [seq, block] of blocks.entries()) {
    if (isWildcard(block.name)) continue;
    const first = seen.get(block.name);
    if (first) {
      throw new JailConfError(
        block.pos,
        `jail ${block.name} is defined twice (first at line ${first.line} of ${first.file})`,
      );
    }
    seen.set(block.name, block.pos);
    jails.push(resolveJail(blocks, seq));
  }
  return jails;
}

/** One jail (the block at index `seq`) with its parameters resolved. */
export function resolveJail(blocks: readonly ConfBlock[], seq: number): ResolvedJail {
  const block = blocks[seq];
  if (/^[0-9]+$/.test(block.name)) {
    throw new JailConfError(
      block.pos,
      `jail name ${block.name}: a JID cannot be chosen (the registry allocates it); use a name`,
    );
  }
  const entries: Entry[] = [
    {
      name: 'name',
      variable: false,
      values: [{ pieces: [{ text: block.name }], pos: block.pos }],
      pos: block.pos,
    },
  ];
  const add = (p: ConfParam) => {
    const found = entries.find((e) =>
      e.variable || p.variable ? e.name === p.name : sameParameter(e.name, p.name),
    );
    if (!found) {
      entries.push({ name: p.name, variable: p.variable, values: [...p.values], pos: p.pos });
      return;
    }
    if (found.variable !== p.variable) {
      throw new JailConfError(p.pos, `variable "$${p.name}" cannot have the same name as a parameter`);
    }
    if (found.name === 'name' && !p.variable)
      throw new JailConfError(p.pos, 'cannot redefine parameter "name"');
    found.name = p.name;
    found.pos = p.pos;
    if (!p.append || p.values.length === 0) found.values = [...p.values];
    else found.values.push(...p.values);
  };
  let didSelf = false;
  for (const [i, w] of blocks.entries()) {
    if (!isWildcard(w.name)) continue;
    if (i > seq && !didSelf) {
      for (const p of block.params) add(p);
      didSelf = true;
    }
    if (wildcardMatches(w.name, block.name)) for (const p of w.params) add(p);
  }
  if (!didSelf) for (const p of block.params) add(p);

  const resolve = (e: Entry): string[] => {
    if (e.resolved) return e.resolved;
    if (e.resolving) throw new JailConfError(e.pos, `${e.name}: variable loop`);
    e.resolving = true;
    const out: string[] = [];
    const outPos: SourcePos[] = [];
    for (const v of e.values) {
      if (v.pieces.length === 1 && 'variable' in v.pieces[0]) {
        const sub = lookup(v.pieces[0].variable, v.pieces[0].pos, e);
        out.push(...sub);
        outPos.push(...sub.map(() => v.pos));
        continue;
      }
      let s = '';
      for (const piece of v.pieces) {
        if ('text' in piece) {
          s += piece.text;
          continue;
        }
        const sub = lookup(piece.variable, piece.pos, e);
        if (sub.length > 1)
          throw new JailConfError(piece.pos, `${e.name}: array cannot be substituted inline`);
        s += sub[0];
      }
      out.push(s);
      outPos.push(v.pos);
    }
    e.resolving = false;
    e.resolved = out;
    e.resolvedPos = outPos;
    return out;
  };
  const lookup = (name: string, pos: SourcePos, from: Entry): string[] => {
    const target = entries.find((x) => x.name === name);
    if (!target || target.values.length === 0) {
      throw new JailConfError(pos, `${from.name}: variable "${name}" not found`);
    }
    return resolve(target);
  };
  const params: ResolvedParam[] = [];
  for (const e of entries) {
    const values = resolve(e);
    if (!e.variable) params.push({ name: e.name, values, pos: e.pos, valuePos: e.resolvedPos ?? [] });
  }
  return { name: block.name, pos: block.pos, params };
}
