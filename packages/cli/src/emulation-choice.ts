import { closeSync, lstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Emulation } from '@sysjail/core';
import { NoEmulationError, RuntimeError, UsageError } from './errors.js';

const jailPath = ['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin'];

/**
 * `path` (absolute, inside the jail) resolved as the jail would see it: every symlink, absolute ones
 * against the jail's root. Returns the host path of a regular file, or undefined.
 */
export function resolveInJail(root: string, path: string): string | undefined {
  const found = findInJail(root, path);
  return found?.kind === 'file' ? found.host : undefined;
}

/** As resolveInJail, for any kind of object: its host path and whether it is a regular file. */
function findInJail(
  root: string,
  path: string,
): { host: string; kind: 'file' | 'directory' | 'other' } | undefined {
  const parts = path.split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; parts.length > 0; ) {
    const part = parts.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(host);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return undefined;
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
    if (parts.length === 0)
      return { host, kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other' };
  }
  return undefined;
}

/** The host path of the jail's command: `command` as the jail's root resolves it (PATH search if bare). */
export function commandInJail(root: string, command: string): string {
  const candidates = command.includes('/')
    ? [posix.resolve('/', command)]
    : jailPath.map((d) => `${d}/${command}`);
  let directory = false;
  for (const c of candidates) {
    const found = findInJail(root, c);
    if (found?.kind === 'file') return found.host;
    directory ||= found?.kind === 'directory';
  }
  if (directory) throw new RuntimeError('COMMAND_IS_DIRECTORY', `${command}: is a directory in the jail`);
  throw new RuntimeError('COMMAND_NOT_FOUND', `${command}: not found in the jail`);
}

/**
 * The emulation whose `detect` accepts the command's first 4 KiB (ELF header and notes); the native
 * one (the first) if none does. Emulations with a loader are asked first: their programs may also
 * look like native ELF files.
 */
export function chooseEmulation(emulations: readonly Emulation[], root: string, command: string): Emulation {
  if (emulations.length === 0) throw new NoEmulationError();
  const buf = new Uint8Array(4096);
  const fd = openSync(commandInJail(root, command), 'r');
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const header = buf.subarray(0, n);
  return (
    emulations.find((e) => e.loader && e.detect(header)) ??
    emulations.find((e) => e.detect(header)) ??
    emulations[0]
  );
}

/** --emulation NAME: the emulation of that name; a usage error for another. */
export function emulationNamed(emulations: readonly Emulation[], name: string): Emulation {
  const e = emulations.find((x) => x.name === name);
  if (!e) {
    const known = emulations.map((x) => x.name).join(', ');
    throw new UsageError('UNKNOWN_EMULATION', `unknown emulation ${name} (known: ${known})`);
  }
  return e;
}

/**
 * How a jail runs a command of `chosen`: an emulation with a loader runs under the native emulation's
 * filter (the first), through its loader. The loader of any emulation is given to the jail either way,
 * so that jexec can run such programs in it later.
 */
export function jailEmulation(
  emulations: readonly Emulation[],
  chosen: Emulation,
): { emulation: Emulation; loader?: string; underLoader: boolean } {
  const native = emulations[0] ?? chosen;
  const loader = chosen.loader ?? emulations.find((e) => e.loader)?.loader;
  return {
    emulation: chosen.loader ? native : chosen,
    ...(loader === undefined ? {} : { loader }),
    underLoader: chosen.loader !== undefined,
  };
}
