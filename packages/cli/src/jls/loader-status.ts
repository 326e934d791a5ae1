/**
 * What a program loader publishes about a jailed process (core's LOADER_STATUS_ADDRESS page): its
 * emulation and its untranslated calls. Read from /proc/PID/mem, one bounded page, parsed defensively:
 * the jailed program can write that page, so what it says is shown, never acted on.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { LOADER_STATUS_ADDRESS } from '@sysjail/core';

export interface ProgramStatus {
  readonly pid: number;
  /** The emulation the loader names; undefined for a process the kernel runs itself. */
  readonly emulation?: string;
  readonly untranslated?: number;
  /** [call name or number, count], most frequent first. */
  readonly top?: readonly (readonly [string, number])[];
}

const MAGIC = 'SJLOADR1';
const printable = (b: Buffer) =>
  b
    .toString('latin1')
    .replace(/\0.*$/s, '')
    .replace(/[^\x21-\x7e]/g, '?');

/** Parses a status page (exported for the tests). */
export function parseLoaderStatus(pid: number, page: Buffer): ProgramStatus {
  if (page.length < 40 || page.toString('latin1', 0, 8) !== MAGIC) return { pid };
  const emulation = printable(page.subarray(8, 24)) || '?';
  const untranslated = Number(page.readBigUInt64LE(24));
  const n = Math.min(page.readUInt32LE(32), Math.floor((page.length - 40) / 32));
  const top: [string, number][] = [];
  for (let i = 0; i < n; i++) {
    const at = 40 + i * 32;
    const nr = page.readUInt32LE(at);
    const name = printable(page.subarray(at + 8, at + 32));
    top.push([name ? `${name}(${nr})` : String(nr), page.readUInt32LE(at + 4)]);
  }
  top.sort((a, b) => b[1] - a[1]);
  return { pid, emulation, untranslated, top: top.slice(0, 5) };
}

/** The status of one jailed process (host pid); a process without a loader page has none. */
export function loaderStatus(pid: number): ProgramStatus {
  const page = Buffer.alloc(4096);
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r');
  } catch {
    return { pid };
  }
  try {
    return parseLoaderStatus(
      pid,
      page.subarray(0, readSync(fd, page, 0, page.length, LOADER_STATUS_ADDRESS)),
    );
  } catch {
    return { pid };
  } finally {
    closeSync(fd);
  }
}
