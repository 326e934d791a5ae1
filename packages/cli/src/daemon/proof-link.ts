// The client side of the supervisor's proof (supervisor-proof.ts): the token in the name of the
// supervisor's memfd, read as the link /proc/<pid>/fd/<fd>. Imports nothing but node:fs: it is bundled
// into the small jail client, which loads neither core nor koffi.
import { readlinkSync } from 'node:fs';

export const PROOF_NAME_PREFIX = 'sysjail-proof-';
/** Hex digits of the token (128 random bits). */
export const PROOF_TOKEN_HEX = 32;

/** How the kernel shows a memfd's link: /memfd:NAME (deleted). */
const LINK = new RegExp(`^/memfd:${PROOF_NAME_PREFIX}([0-9a-f]{${PROOF_TOKEN_HEX}}) \\(deleted\\)$`);

/**
 * The token, or undefined when the link cannot be read (no ptrace access, no such fd) or is not a proof.
 * Synchronous on purpose: the main thread reads it, whose Landlock domain a jail would inherit (libuv's pool
 * threads may have been started outside it).
 */
export function proofFromLink(pid: number, fd: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(fd) || fd < 0) return undefined;
  try {
    return LINK.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
  } catch {
    return undefined;
  }
}
