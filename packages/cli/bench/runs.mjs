// One timed run of each thing the benchmark compares. Times in ms; "running" is taken from sj-stamp's
// CLOCK_MONOTONIC print (the host's process.hrtime reads the same clock), "exited" by the caller.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliBin } from './jail-root.mjs';

export const JAIL_ADDRESS = '127.0.0.5';
const HOSTNAME = 'bench.example';
const now = () => process.hrtime.bigint();
const ms = (from, to) => Number(to - from) / 1e6;

function checked(what, r) {
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  return r.stdout;
}

/** An external command, spawnSync from here: {exited, out}. */
export function runExternal(what, file, args, env = process.env) {
  const t0 = now();
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  const t1 = now();
  return { exited: ms(t0, t1), out: checked(what, r).trim(), t0, err: r.stderr };
}

/** An external command whose command prints sj-stamp's time: {running, exited}. */
export function runStamped(what, file, args, env) {
  const r = runExternal(what, file, args, env);
  return { running: ms(r.t0, BigInt(r.out.split('\n').pop())), exited: r.exited, err: r.err };
}

/** core's SYSJAIL_TRACE=1 lines ("sysjail: <phase> <ms> ms") → [[phase, ms]...]. */
export function tracePhases(stderr) {
  return [...stderr.matchAll(/^sysjail: (.+) ([0-9.]+) ms$/gm)].map((m) => [m[1], Number(m[2])]);
}

export const bwrapArgs = (root, command) => [
  '--bind',
  root,
  '/',
  '--proc',
  '/proc',
  '--dev',
  '/dev',
  '--unshare-pid',
  '--unshare-uts',
  '--unshare-ipc',
  ...command,
];

/** bwrap with a seccomp filter (encoded sock_filter[] in the file at filterPath) on fd 3: {exited, out}. */
export function bwrapSeccomp(root, command, filterPath) {
  const fd = openSync(filterPath, 'r');
  try {
    const t0 = now();
    const r = spawnSync('bwrap', ['--seccomp', '3', ...bwrapArgs(root, command)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe', fd],
    });
    const t1 = now();
    return { exited: ms(t0, t1), out: checked('bwrap --seccomp', r).trim(), t0 };
  } finally {
    closeSync(fd);
  }
}

export const bwrap = (root, command) => runStamped('bwrap', 'bwrap', bwrapArgs(root, command));
/** The jail command, with core's phase trace on: {running, exited, phases}. */
export function jailCommand(root, command) {
  // The bin itself, as a user runs it (its shell part starts node).
  const args = [root, HOSTNAME, JAIL_ADDRESS, ...command];
  const r = runStamped('jail', cliBin('jail'), args, { ...process.env, SYSJAIL_TRACE: '1' });
  return { running: r.running, exited: r.exited, phases: tracePhases(r.err) };
}
/** This environment without NODE_EXTRA_CA_CERTS, which the jail bin's node does not get either. */
export function envWithoutCerts() {
  const { NODE_EXTRA_CA_CERTS: _certs, ...env } = process.env;
  return env;
}
/** node -e 0 without NODE_EXTRA_CA_CERTS. */
export const nodeNothing = () => runExternal('node -e 0', process.execPath, ['-e', '0'], envWithoutCerts());
export const chroot = (root, command) => runExternal('chroot', 'chroot', [root, ...command]);

/**
 * startJail through the library (prewarmed by earlier runs): ms to startJail's promise, to the
 * command running, to `exited`; the command's stdout; the supervisor's counters.
 */
export async function runInJail(core, emulation, root, scratch, command, extra = {}) {
  const outPath = join(scratch, 'jail-stdout');
  const out = openSync(outPath, 'w');
  const devNull = openSync('/dev/null', 'r');
  let jail;
  const t0 = now();
  try {
    jail = await core.startJail({
      prison: {
        path: root,
        hostname: HOSTNAME,
        ipv4: [JAIL_ADDRESS],
        ipv6: [],
        flags: core.defaultPrisonFlags,
      },
      command,
      emulation,
      env: { PATH: '/bin:/sbin:/usr/bin:/usr/sbin' },
      stdio: [devNull, out, 2],
      ...extra,
    });
  } finally {
    closeSync(out);
    closeSync(devNull);
  }
  const t1 = now();
  const exit = await jail.exited;
  const t2 = now();
  if (exit.code !== 0) throw new Error(`jailed ${command.join(' ')}: ${JSON.stringify(exit)}`);
  const text = readFileSync(outPath, 'utf8').trim();
  return { started: ms(t0, t1), exited: ms(t0, t2), out: text, t0, counters: jail.counters() };
}

export async function jailStamp(core, emulation, root, scratch) {
  const r = await runInJail(core, emulation, root, scratch, ['/bin/sj-stamp']);
  return { started: r.started, running: ms(r.t0, BigInt(r.out)), exited: r.exited };
}
