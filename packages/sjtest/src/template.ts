/**
 * A jail adapter is a command template with placeholders {root} {hostname} {ip} {cmd}. The template is
 * split into words (single and double quotes group; no shell runs); a word that is exactly {cmd} becomes
 * the victim's argv, {cmd} inside a larger word becomes the argv shell-quoted.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.js';

export interface TemplateValues {
  readonly root: string;
  readonly hostname: string;
  readonly ip: string;
  readonly cmd: readonly string[];
}

export function splitWords(template: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const ch of template) {
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unbalanced ${quote} in template: ${template}`);
  if (inWord) words.push(word);
  return words;
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function expandTemplate(template: string, v: TemplateValues): string[] {
  const words = splitWords(template);
  if (!words.some((w) => w.includes('{cmd}'))) throw new UsageError(`template has no {cmd}: ${template}`);
  const fill = (w: string): string =>
    w
      .replaceAll('{root}', v.root)
      .replaceAll('{hostname}', v.hostname)
      .replaceAll('{ip}', v.ip)
      .replaceAll('{cmd}', v.cmd.map(shellQuote).join(' '));
  return words.flatMap((w) => (w === '{cmd}' ? [...v.cmd] : [fill(w)]));
}

/**
 * The template's program when it cannot be run: not found in PATH, or not an executable file. Undefined
 * when it can, or when the program is a placeholder (`{cmd}`: no jail at all).
 */
export function missingCommand(template: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const program = splitWords(template)[0];
  if (program === undefined || program.includes('{')) return undefined;
  const runnable = (path: string): boolean => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return runnable(program) ? undefined : program;
  const dirs = (env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean);
  return dirs.some((d) => runnable(join(d, program))) ? undefined : program;
}
