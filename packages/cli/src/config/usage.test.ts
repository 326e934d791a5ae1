// usage.ts is the one source of the synopses: each tool's must name the same options (with the same
// arguments) and the same operands as the SYNOPSIS of its man page. New options are fine as long as
// both sides add them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { synopses, type Tool, usageText } from './usage.js';

const manPage: Record<Tool, string> = {
  jail: 'jail.8',
  sysjail: 'sysjail.1',
  jls: 'jls.8',
  sjls: 'sjls.1',
  jexec: 'jexec.8',
  mkjail: 'mkjail.1',
  rctl: 'rctl.8',
  'sysjail-service': 'sysjail-service.8',
};

interface Shape {
  /** `-b`, `-4 arg`, `--allow-ipc`: each option, with ` arg` when it takes one. */
  readonly options: string[];
  /** The operand and option-argument words (`path`, `jid`, `username`). */
  readonly words: string[];
}

const sorted = (s: Set<string>) => [...s].sort();

/** The shape of usage.ts's forms: `[-bi]` is two flags, `[-4 address]` an option with its argument. */
function usageShape(forms: readonly string[]): Shape {
  const options = new Set<string>();
  const words = new Set<string>();
  for (const form of forms) {
    const tokens = form
      .replace(/[[\]|,.=]/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.startsWith('--')) options.add(t);
      else if (t.startsWith('-')) {
        const arg = tokens[i + 1];
        // An option letter followed by a word inside the same brackets takes that word as argument.
        const takesArg = t.length === 2 && new RegExp(`(\\[|\\| )${t} ${arg}\\b`).test(form);
        if (takesArg) options.add(`${t} arg`);
        else for (const l of t.slice(1)) options.add(`-${l}`);
      } else if (/^[a-z][a-z0-9-]*$/.test(t)) words.add(t);
    }
  }
  return { options: sorted(options), words: sorted(words) };
}

/** The shape of a man page's SYNOPSIS (mdoc), leaving out the `-h | --help | --version` form. */
function manShape(page: string): Shape {
  const text = readFileSync(new URL(`../../man/${page}`, import.meta.url), 'utf8');
  const synopsis = /^\.Sh SYNOPSIS\n([\s\S]*?)^\.Sh /m.exec(text)?.[1] ?? '';
  const forms = synopsis.split(/^\.Nm\n/m).filter((f) => f.trim() && !/Fl (h \| )?-help/.test(f));
  const options = new Set<string>();
  const words = new Set<string>();
  for (const line of forms.join('\n').split('\n')) {
    const tokens = line
      .replace(/^\.(Op|Oo|Oc)\b/, ' ')
      .replace(/=/g, ' ')
      .replace(/^\./, '')
      .split(/\s+/)
      .filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] === 'Fl') {
        const name = tokens[++i];
        if (name.startsWith('-')) options.add(`-${name}`);
        else if (tokens[i + 1] === 'Ar') options.add(`-${name} arg`);
        else for (const l of name) options.add(`-${l}`);
      } else if (tokens[i] === 'Ar') {
        while (tokens[i + 1] !== undefined && /^[a-z][a-z0-9-]*$/.test(tokens[i + 1])) words.add(tokens[++i]);
      }
    }
  }
  return { options: sorted(options), words: sorted(words) };
}

describe('usage.ts and the man pages', () => {
  for (const tool of Object.keys(synopses) as Tool[]) {
    it(`${tool}: the same options and operands`, () => {
      const fromUsage = usageShape(synopses[tool]);
      expect(fromUsage.options.length).toBeGreaterThan(0);
      expect(manShape(manPage[tool])).toEqual(fromUsage);
    });
  }

  it('prints FreeBSD-style usage lines', () => {
    expect(usageText('sjls')).toBe('usage: sjls [-v] [--json] [-j jail]\n');
    expect(usageText('jail')).toMatch(/\n {7}jail -r /);
  });
});
