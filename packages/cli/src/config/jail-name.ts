import { BadNameError } from '../errors.js';

const nameSyntax = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** A jail name (-n): up to 64 of [A-Za-z0-9_.-], not all digits (that would read as a JID). */
export function checkJailName(name: string): string {
  if (/^[0-9]+$/.test(name)) throw new BadNameError(name, 'a name cannot be all digits');
  if (!nameSyntax.test(name)) throw new BadNameError(name, 'use up to 64 of A-Z a-z 0-9 _ . -');
  return name;
}

/** `jexec 3`, `jail -r web`: a JID when all digits, otherwise a name. */
export function parseJailRef(ref: string): number | string {
  return /^[0-9]+$/.test(ref) ? Number(ref) : ref;
}
