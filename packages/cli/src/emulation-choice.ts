import { closeSync, fstatSync, readSync } from 'node:fs';
import { posix } from 'node:path';
import { type BinfmtRule, type Emulation, JailRoot } from '@sysjail/core';
import { O_NOCTTY, O_NONBLOCK, O_RDONLY } from '@sysjail/systrace-bindings';
import { NoEmulationError, RuntimeError, UsageError } from './errors.js';

const jailPath = ['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin'];

/**
 * The first `length` bytes of the jail's command, `command` as the jail's root resolves it (PATH search
 * if bare), read through core's JailRoot: links resolved inside the root, regular files only, opened
 * non-blocking (a FIFO planted there is skipped, never waited on).
 */
export function commandHeader(root: string, command: string, length = 4096): Uint8Array {
  const candidates = command.includes('/')
    ? [posix.resolve('/', command)]
    : jailPath.map((d) => `${d}/${command}`);
  let directory = false;
  const jail = new JailRoot(root);
  try {
    for (const c of candidates) {
      let fd: number;
      try {
        fd = jail.open(c, O_RDONLY | O_NONBLOCK | O_NOCTTY);
      } catch {
        continue;
      }
      try {
        const st = fstatSync(fd);
        directory ||= st.isDirectory();
        if (!st.isFile()) continue;
        const header = new Uint8Array(length);
        return header.subarray(0, readSync(fd, header, 0, length, 0));
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    jail.close();
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
  const header = commandHeader(root, command);
  return (
    emulations.find((e) => e.loader && e.detect(header)) ??
    emulations.find((e) => e.detect(header)) ??
    emulations[0]
  );
}

/**
 * --emulation mixed (sysjail.emulation = mixed): the jail may hold programs of several emulations and the
 * kernel picks the loader per exec (a Linux shell running a FreeBSD program too): see jailEmulation.
 */
export const MIXED = 'mixed';

/**
 * The emulation a jail's command is of: --emulation's (sysjail.emulation), else (none, or mixed) what
 * the command's first bytes say.
 */
export function commandEmulation(
  emulations: readonly Emulation[],
  name: string | undefined,
  root: string,
  command: string,
): Emulation {
  return name === undefined || name === MIXED
    ? chooseEmulation(emulations, root, command)
    : emulationNamed(emulations, name);
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
 * so that jexec can run such programs in it later. A mixed jail also gets that emulation's binfmt rule:
 * the kernel then runs the loader for every exec of such a program in the jail (core's loaderBinfmt: a
 * user namespace of the jail's own, which only mixed jails pay for).
 */
export function jailEmulation(
  emulations: readonly Emulation[],
  chosen: Emulation,
  mixed = false,
): { emulation: Emulation; loader?: string; underLoader: boolean; loaderBinfmt?: BinfmtRule } {
  const native = emulations[0] ?? chosen;
  const perExec = mixed
    ? ((chosen.loader && chosen.binfmt ? chosen : undefined) ?? emulations.find((e) => e.loader && e.binfmt))
    : undefined;
  if (mixed && !perExec)
    throw new RuntimeError(
      'NO_MIXED_EMULATION',
      'emulation mixed: no installed emulation has a loader the kernel can pick per exec',
    );
  const loader = perExec?.loader ?? chosen.loader ?? emulations.find((e) => e.loader)?.loader;
  return {
    emulation: chosen.loader ? native : chosen,
    ...(loader === undefined ? {} : { loader }),
    underLoader: chosen.loader !== undefined,
    ...(perExec?.binfmt ? { loaderBinfmt: perExec.binfmt } : {}),
  };
}
