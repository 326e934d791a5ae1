/** --only / --skip: comma-separated ids or tags; an id ending in * is a prefix. */
import type { Case } from './case.js';

function matches(c: Case, pattern: string): boolean {
  if (pattern.endsWith('*')) return c.id.startsWith(pattern.slice(0, -1));
  return c.id === pattern || c.tags.includes(pattern);
}

export function selectCases(all: readonly Case[], only: readonly string[], skip: readonly string[]): Case[] {
  return all.filter(
    (c) => (only.length === 0 || only.some((p) => matches(c, p))) && !skip.some((p) => matches(c, p)),
  );
}

/** The patterns that match no case at all (a typo would otherwise run everything, or nothing). */
export function unmatchedPatterns(all: readonly Case[], patterns: readonly string[]): string[] {
  return patterns.filter((p) => !all.some((c) => matches(c, p)));
}
