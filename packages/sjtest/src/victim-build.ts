/**
 * Builds the victims from their C sources with the system compiler into a cache directory keyed by
 * the sources, the compiler and the flags: a static 64-bit victim, a static i386 one (-m32), and the
 * freestanding FreeBSD amd64 one (victims/freebsd/, no libc, branded OS/ABI 9 as brandelf(1) does).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const victimSourceDir = fileURLToPath(new URL('../victims/', import.meta.url));
export const freebsdVictimSource = join(victimSourceDir, 'freebsd', 'victim.c');

export interface VictimBinaries {
  /** path of the 64-bit victim, or why there is none */
  readonly v64: string | { readonly skipped: string };
  readonly v32: string | { readonly skipped: string };
  readonly fbsd: string | { readonly skipped: string };
}

const FLAGS = ['-O1', '-static', '-no-pie', '-pthread', '-w'];
const FREEBSD_FLAGS = [
  '-O2',
  '-static',
  '-nostdlib',
  '-ffreestanding',
  '-fno-builtin',
  '-fno-stack-protector',
  '-fno-pie',
  '-no-pie',
  '-fcf-protection=none',
  '-w',
  '-Wl,--build-id=none',
];
/** e_ident[EI_OSABI] of a FreeBSD executable (ELFOSABI_FREEBSD), at byte 7 of the ELF header. */
const ELFOSABI_FREEBSD = 9;

export function defaultCacheDir(): string {
  if (process.env.SJTEST_CACHE) return process.env.SJTEST_CACHE;
  const base = process.env.XDG_CACHE_HOME ?? (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(base, 'sjtest');
}

function compilerVersion(cc: string): string | undefined {
  try {
    return execFileSync(cc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function compile(
  cc: string,
  sources: string[],
  out: string,
  extra: string[],
  flags = FLAGS,
  brand?: number,
): string | { skipped: string } {
  if (existsSync(out)) return out;
  const partial = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(cc, [...extra, ...flags, '-o', partial, ...sources], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '')
      .split('\n')
      .slice(0, 3)
      .join(' ');
    return {
      skipped: `${extra.includes('-m32') ? 'no 32-bit toolchain (gcc-multilib?)' : 'compiler failed'}: ${stderr}`,
    };
  }
  if (brand !== undefined) {
    const fd = openSync(partial, 'r+');
    writeSync(fd, Buffer.from([brand]), 0, 1, 7);
    closeSync(fd);
  }
  renameSync(partial, out);
  return out;
}

/** Compiles (or finds in the cache) both victims. Never throws: a missing compiler skips the cases. */
export function buildVictims(options: { cacheDir?: string; cc?: string } = {}): VictimBinaries {
  const cc = options.cc ?? process.env.CC ?? 'cc';
  const version = compilerVersion(cc);
  if (!version) {
    const skipped = `skipped: no compiler (${cc} not found; install gcc, and gcc-multilib for i386)`;
    return { v64: { skipped }, v32: { skipped }, fbsd: { skipped } };
  }
  const sources = readdirSync(victimSourceDir)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .sort()
    .map((f) => join(victimSourceDir, f));
  const hash = createHash('sha256').update(version).update(FLAGS.join(' '));
  for (const s of [...sources, freebsdVictimSource])
    hash.update(s.slice(victimSourceDir.length)).update(readFileSync(s));
  hash.update(FREEBSD_FLAGS.join(' '));
  const dir = join(options.cacheDir ?? defaultCacheDir(), hash.digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  const cfiles = sources.filter((s) => s.endsWith('.c'));
  return {
    v64: compile(cc, cfiles, join(dir, 'victim64'), ['-m64']),
    v32: compile(cc, cfiles, join(dir, 'victim32'), ['-m32']),
    fbsd: compile(
      cc,
      [freebsdVictimSource],
      join(dir, 'victim-freebsd'),
      [],
      FREEBSD_FLAGS,
      ELFOSABI_FREEBSD,
    ),
  };
}
