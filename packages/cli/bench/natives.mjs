// The benchmark's C programs: compiled static (a mkjail root has busybox and no libc to spare) into a
// temp dir, then copied into the jail root's /bin.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = (name) => fileURLToPath(new URL(`./native/${name}`, import.meta.url));

/** name in the jail's /bin → source file. */
export const natives = {
  'sj-stamp': 'stamp.c',
  'sj-syscalls': 'syscall-loop.c',
  'sj-notify': 'notify-loop.c',
  'sj-notify-floor': 'notify-floor.c',
  'sj-notify-lat': 'notify-latency.c',
  'sj-net': 'net-loop.c',
  'sj-write': 'write-loop.c',
  'sj-unix-sockets': 'unix-socket-loop.c',
};

/** Compiles every program into dir; returns name → host path. */
export function buildNatives(dir) {
  const out = {};
  for (const [name, file] of Object.entries(natives)) {
    out[name] = join(dir, name);
    execFileSync('gcc', ['-O2', '-Wall', '-static', '-o', out[name], source(file)], { stdio: 'inherit' });
  }
  return out;
}

/** Copies the built programs into root/bin. */
export function installNatives(built, root) {
  for (const [name, path] of Object.entries(built)) {
    const dest = join(root, 'bin', name);
    copyFileSync(path, dest);
    chmodSync(dest, 0o755);
  }
}
