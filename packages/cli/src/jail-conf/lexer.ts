// jail.conf(5) tokens, with FreeBSD's lexical rules (usr.sbin/jail/jaillex.l): comments in three
// styles, `+=` and `, ; = { }` reserved, unquoted atoms, single-quoted strings (no variables),
// double-quoted strings (variables), `$name` and `${name}` variables, C escapes. Pieces written
// next to each other without whitespace make one word (`/var/jail/$name`).
import { JailConfSyntaxError } from '../errors.js';
import type { SourcePos } from './source.js';

/** One piece of a word: literal text or a variable to substitute. */
export type Piece = { readonly text: string } | { readonly variable: string; readonly pos: SourcePos };

export type Token =
  | {
      readonly kind: 'word';
      readonly pieces: readonly Piece[];
      readonly pos: SourcePos;
      readonly raw: string;
    }
  | { readonly kind: '{' | '}' | ';' | ',' | '=' | '+='; readonly pos: SourcePos }
  | { readonly kind: 'eof'; readonly pos: SourcePos };

const ATOM = /[A-Za-z0-9_!%&()\-.:<>?@[\]^`|~]/;
const SINGLE = new Set(['$', '*', '+', '/', '\\']);
const VAR_START = /[A-Za-z_]/;
const VAR_REST = /[A-Za-z_0-9]/;

/** Splits a configuration file into tokens; throws JailConfSyntaxError with the position. */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (at = i): SourcePos => ({ file, line, column: at - lineStart + 1 });
  const fail = (message: string, at: SourcePos): never => {
    throw new JailConfSyntaxError(at, message);
  };
  const newline = (at: number) => {
    line++;
    lineStart = at + 1;
  };

  /** A backslash escape at text[i] (the backslash); returns the character(s) and advances i. */
  const backslash = (): string => {
    const c = text[i + 1];
    if (c === undefined) fail('backslash at end of file', pos());
    if (c === '\n') {
      newline(i + 1);
      i += 2;
      return '';
    }
    if (c >= '0' && c <= '7') {
      let j = i + 1;
      let v = 0;
      while (j < i + 4 && text[j] >= '0' && text[j] <= '7') v = v * 8 + Number(text[j++]);
      i = j;
      return String.fromCharCode(v & 0xff);
    }
    if (c === 'x') {
      let j = i + 2;
      let v = 0;
      while (j < i + 4 && /[0-9A-Fa-f]/.test(text[j] ?? '')) v = v * 16 + Number.parseInt(text[j++], 16);
      i = j;
      return String.fromCharCode(v);
    }
    i += 2;
    const map: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    return map[c] ?? c;
  };

  /** `$name` or `${name}` at text[i]; undefined if the `$` starts no variable. */
  const variable = (): Piece | undefined => {
    const at = pos();
    if (text[i + 1] === '{') {
      let j = i + 2;
      let name = '';
      while (j < text.length && text[j] !== '}') {
        if (text[j] === '\n' || text[j] === '{' || text[j] === '"') fail('unterminated variable', at);
        name += text[j++];
      }
      if (j >= text.length) fail('unterminated variable', at);
      if (name === '') fail('empty variable name', at);
      i = j + 1;
      return { variable: name, pos: at };
    }
    if (!VAR_START.test(text[i + 1] ?? '')) return undefined;
    let j = i + 1;
    while (j < text.length && VAR_REST.test(text[j])) j++;
    const name = text.slice(i + 1, j);
    i = j;
    return { variable: name, pos: at };
  };

  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\n') {
      newline(i);
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const at = pos();
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment', at);
      for (let j = i; j < end; j++) if (text[j] === '\n') newline(j);
      i = end + 2;
      continue;
    }
    if (c === '+' && text[i + 1] === '=') {
      tokens.push({ kind: '+=', pos: pos() });
      i += 2;
      continue;
    }
    if (c === '{' || c === '}' || c === ';' || c === ',' || c === '=') {
      tokens.push({ kind: c, pos: pos() });
      i++;
      continue;
    }
    // A word: adjacent atoms, quoted strings and variables.
    const start = pos();
    const startIndex = i;
    const pieces: Piece[] = [];
    let literal = '';
    const flush = () => {
      if (literal !== '') pieces.push({ text: literal });
      literal = '';
    };
    while (i < text.length) {
      const d = text[i];
      if (d === '+' && text[i + 1] === '=') break;
      if (d === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) break;
      if (ATOM.test(d)) {
        literal += d;
        i++;
      } else if (d === '\\') {
        literal += backslash();
      } else if (d === '$') {
        const v = variable();
        if (v) {
          flush();
          pieces.push(v);
        } else {
          literal += d;
          i++;
        }
      } else if (SINGLE.has(d)) {
        literal += d;
        i++;
      } else if (d === "'") {
        const at = pos();
        i++;
        for (;;) {
          if (i >= text.length || text[i] === '\n') fail('unterminated string', at);
          if (text[i] === "'") break;
          if (text[i] === '\\') literal += backslash();
          else literal += text[i++];
        }
        i++;
        // An empty quoted string is still a value.
        if (literal === '') pieces.push({ text: '' });
      } else if (d === '"') {
        const at = pos();
        i++;
        let any = false;
        for (;;) {
          if (i >= text.length) fail('unterminated string', at);
          const e = text[i];
          if (e === '"') break;
          if (e === '\n') {
            // FreeBSD accepts a newline inside double quotes (kept in the value).
            newline(i);
            literal += e;
            i++;
          } else if (e === '\\') literal += backslash();
          else if (e === '$') {
            const v = variable();
            if (v) {
              flush();
              pieces.push(v);
              any = true;
            } else {
              literal += e;
              i++;
            }
          } else {
            literal += e;
            i++;
          }
        }
        i++;
        if (literal === '' && !any) pieces.push({ text: '' });
      } else {
        break;
      }
    }
    flush();
    if (i === startIndex) fail(`unexpected character ${JSON.stringify(text[i])}`, start);
    tokens.push({ kind: 'word', pieces: merge(pieces), pos: start, raw: text.slice(startIndex, i) });
  }
  tokens.push({ kind: 'eof', pos: pos() });
  return tokens;
}

/** Adjacent literal pieces as one. */
function merge(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if ('text' in p && last && 'text' in last) out[out.length - 1] = { text: last.text + p.text };
    else out.push(p);
  }
  return out;
}

/** The word's text if it has no variables. */
export function literalOf(pieces: readonly Piece[]): string | undefined {
  let s = '';
  for (const p of pieces) {
    if (!('text' in p)) return undefined;
    s += p.text;
  }
  return s;
}
