// jail.conf(5) statements (FreeBSD's usr.sbin/jail/jailparse.y): jail blocks `name { ... }`,
// parameters `name;`, `name = v, ...;`, `name += v;`, `name v;`, variables `$name = ...;`, and
// `.include "pattern";`. Parameters outside any block belong to a `*` block, as in FreeBSD.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { JailConfError, JailConfSyntaxError } from '../errors.js';
import { literalOf, type Piece, type Token, tokenize } from './lexer.js';
import type { SourcePos } from './source.js';

/** One value of a parameter, before variable substitution. */
export interface ConfValue {
  readonly pieces: readonly Piece[];
  readonly pos: SourcePos;
}

export interface ConfParam {
  /** The name as written (`allow.noraw_sockets`), without the `$` of a variable. */
  readonly name: string;
  /** `$name = ...`: a variable, used only for substitution. */
  readonly variable: boolean;
  readonly append: boolean;
  readonly values: readonly ConfValue[];
  readonly pos: SourcePos;
}

export interface ConfBlock {
  /** A jail name, `*`, or a partial wildcard `foo.*`. */
  readonly name: string;
  readonly pos: SourcePos;
  readonly params: ConfParam[];
}

export interface ParseOptions {
  readonly readFile?: (path: string) => string;
  /** Expands an include pattern (absolute) to the files it names, sorted. */
  readonly glob?: (pattern: string) => string[];
}

const MAX_INCLUDE_DEPTH = 16;

/** Parses a configuration file and everything it includes into blocks, in file order. */
export function parseJailConf(text: string, file: string, options: ParseOptions = {}): ConfBlock[] {
  const blocks: ConfBlock[] = [];
  parseInto(blocks, text, file, options, 0);
  return blocks;
}

/** Reads and parses a configuration file. */
export function readJailConf(path: string, options: ParseOptions = {}): ConfBlock[] {
  const read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    throw new JailConfError(
      undefined,
      `${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseJailConf(text, path, options);
}

function parseInto(
  blocks: ConfBlock[],
  text: string,
  file: string,
  options: ParseOptions,
  depth: number,
): void {
  const tokens = tokenize(text, file);
  let k = 0;
  const peek = () => tokens[k];
  const next = () => tokens[k++];
  const fail = (t: Token, message: string): never => {
    throw new JailConfSyntaxError(t.pos, message);
  };
  const describe = (t: Token) =>
    t.kind === 'eof' ? 'end of file' : t.kind === 'word' ? `"${t.raw}"` : `"${t.kind}"`;
  const expect = (kind: Token['kind'], what: string) => {
    const t = next();
    if (t.kind !== kind) fail(t, `expected ${what}, found ${describe(t)}`);
    return t;
  };

  /** A parameter statement up to (not including) its `;`. */
  const param = (): ConfParam => {
    const t = next();
    if (t.kind !== 'word') return fail(t, `expected a parameter name, found ${describe(t)}`);
    let name: string;
    let variable = false;
    const only = t.pieces.length === 1 ? t.pieces[0] : undefined;
    if (only && 'variable' in only && t.raw.startsWith('$') && !t.raw.startsWith('${')) {
      name = only.variable;
      variable = true;
    } else {
      const lit = literalOf(t.pieces);
      if (lit === undefined || lit === '') return fail(t, `bad parameter name ${describe(t)}`);
      name = lit;
    }
    let append = false;
    const values: ConfValue[] = [];
    const after = peek();
    if (after.kind === '=' || after.kind === '+=' || after.kind === 'word') {
      if (after.kind !== 'word') {
        append = after.kind === '+=';
        next();
      }
      for (;;) {
        const v = next();
        if (v.kind !== 'word') return fail(v, `expected a value for ${name}, found ${describe(v)}`);
        values.push({ pieces: v.pieces, pos: v.pos });
        if (peek().kind !== ',') break;
        next();
      }
    }
    if (variable && values.length === 0) fail(t, `variable $${name} needs a value`);
    return { name, variable, append, values, pos: t.pos };
  };

  const globalBlock = (pos: SourcePos): ConfBlock => {
    const last = blocks[blocks.length - 1];
    if (last && last.name === '*') return last;
    const b: ConfBlock = { name: '*', pos, params: [] };
    blocks.push(b);
    return b;
  };

  for (;;) {
    const t = peek();
    if (t.kind === 'eof') return;
    if (t.kind === ';') {
      next();
      continue;
    }
    if (t.kind !== 'word') fail(t, `unexpected ${describe(t)}`);
    const w = t as Extract<Token, { kind: 'word' }>;
    if (w.raw === '.include') {
      next();
      const f = next();
      if (f.kind !== 'word')
        throw new JailConfSyntaxError(f.pos, `.include needs a file name, found ${describe(f)}`);
      const pattern = literalOf(f.pieces);
      if (pattern === undefined)
        throw new JailConfSyntaxError(f.pos, '.include: the file name cannot contain variables');
      expect(';', '";" after .include');
      if (depth >= MAX_INCLUDE_DEPTH) fail(t, `.include nested more than ${MAX_INCLUDE_DEPTH} deep`);
      const abs = isAbsolute(pattern) ? pattern : resolve(dirname(file), pattern);
      const files = (options.glob ?? globFiles)(abs);
      const read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
      for (const path of files) {
        let text2: string;
        try {
          text2 = read(path);
        } catch (e) {
          throw new JailConfSyntaxError(
            f.pos,
            `.include ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          );
        }
        parseInto(blocks, text2, path, options, depth + 1);
      }
      continue;
    }
    if (tokens[k + 1]?.kind === '{') {
      next();
      next();
      const name = literalOf(w.pieces);
      if (name === undefined || name === '') fail(w, `bad jail name ${describe(w)}`);
      const block: ConfBlock = { name: name as string, pos: w.pos, params: [] };
      for (;;) {
        const u = peek();
        if (u.kind === '}') {
          next();
          break;
        }
        if (u.kind === ';') {
          next();
          continue;
        }
        if (u.kind === 'eof') fail(u, `missing "}" for jail ${name} (opened at line ${w.pos.line})`);
        if (u.kind === 'word' && tokens[k + 1]?.kind === '{')
          fail(u, 'nested jail definitions (hierarchical jails) are not supported');
        if (u.kind === 'word' && u.raw === '.include')
          fail(u, '.include is allowed only outside jail blocks');
        block.params.push(param());
        expect(';', `";" after the parameter`);
      }
      blocks.push(block);
      continue;
    }
    const p = param();
    expect(';', `";" after the parameter`);
    globalBlock(p.pos).params.push(p);
  }
}

/** glob(3) for absolute patterns with `*`, `?` and `[...]` in any component; sorted, files only as found. */
export function globFiles(pattern: string): string[] {
  const magic = /[*?[]/;
  if (!magic.test(pattern)) return [pattern];
  const parts = pattern.split('/').filter((p) => p !== '');
  let paths = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!magic.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      const re = globRegExp(part);
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {}
      for (const n of names.sort())
        if (re.test(n) && !(n.startsWith('.') && !part.startsWith('.'))) next.push(join(dir, n));
    }
    paths = next;
  }
  return paths;
}

function globRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let set = part.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        re += `[${set}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
