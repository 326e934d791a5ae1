// Benchmark of the shared supervisor (the one process that hosts every background jail):
//   1. memory: 50 background jails (loopback 127.0.20.1-50) on one supervisor, its RSS and PSS after
//      1, 10, 25 and 50 jails                                  goal: at most 60 MB + 3 MB per jail
//      reference: one `jail` process (a jail's own supervisor, as each background jail had before)
//   2. fairness: a jail's notified-call latency (listen(2), median of each call's own time) alone and
//      while another jail hammers notified calls from 8 threads, interleaved rounds, with the default
//      two supervisor threads and, side by side in the same rounds, with one (SYSJAIL_SUPERVISOR_THREADS=1)
//                                                               goal: at most 2x
// Writes <repo>/bench/results/supervisor.md. Knobs: BENCH_JAILS (50), BENCH_ROUNDS (7), BENCH_CALLS (2000).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cliBin, makeBenchRoot } from './jail-root.mjs';
import { machineInfo } from './machine.mjs';
import { median } from './median.mjs';

const JAILS = Number(process.env.BENCH_JAILS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const resultsFile = fileURLToPath(new URL('../../../bench/results/supervisor.md', import.meta.url));
const goalMb = (n) => 60 + 3 * n;
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);

const bench = makeBenchRoot();
const runDir = join(bench.dir, 'run');
mkdirSync(runDir);
// The cli's functions read the run directory from the environment: set it before loading them.
process.env.SYSJAIL_RUN_DIR = runDir;
const cli = await import('../dist/index.js');
const { defaultPrisonFlags, openRegistry } = await import('@sysjail/core');
const env = { ...process.env, SYSJAIL_RUN_DIR: runDir };

function memoryOf(pid) {
  const kB = (text, key) => Number(new RegExp(`^${key}:\\s+([0-9]+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rss: kB(status, 'VmRSS') / 1024,
    pss: kB(rollup, 'Pss') / 1024,
    threads: Number(/^Threads:\s+([0-9]+)/m.exec(status)?.[1]),
  };
}

const prison = (i, extra = {}) => ({
  path: bench.root,
  hostname: `j${i}.example`,
  ipv4: [`127.0.20.${i}`],
  ipv6: [],
  flags: defaultPrisonFlags,
  ...extra,
});

/** A running jail's supervisor, once its memory has settled (GC had a chance). */
async function settledMemory(pid) {
  await sleep(3000);
  return memoryOf(pid);
}

async function removeAll() {
  for (const r of openRegistry().list()) await cli.removeBackgroundJail(r, 2000).catch(() => {});
}

async function memoryBench() {
  const samples = [];
  const marks = new Set([1, 10, 25, JAILS]);
  let supervisorPid;
  for (let i = 1; i <= JAILS; i++) {
    await cli.startBackgroundJail({ prison: prison(i), command: ['/bin/sleep', '100000'] });
    if (marks.has(i)) {
      supervisorPid ??= openRegistry().list()[0].supervisorPid;
      samples.push({ jails: i, ...(await settledMemory(supervisorPid)) });
    }
  }
  const supervisors = new Set(
    openRegistry()
      .list()
      .map((r) => r.supervisorPid),
  );
  await removeAll();
  // Reference: one jail with its own supervisor (the jail command, as each `sysjail -b` process was).
  const own = spawn(
    process.execPath,
    [cliBin('jail'), bench.root, 'ref.example', '127.0.20.60', '/bin/sleep', '100'],
    {
      env,
      stdio: 'ignore',
    },
  );
  await sleep(4000);
  const reference = memoryOf(own.pid);
  own.kill('SIGTERM');
  await new Promise((r) => own.once('exit', r));
  return { samples, supervisors: supervisors.size, reference };
}

function jexecLatency(jail) {
  const r = spawnSync(process.execPath, [cliBin('jexec'), jail, '/bin/sj-notify-lat', String(CALLS)], {
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`jexec sj-notify-lat: ${r.status} ${r.stderr}`);
  const [med, p90, p99] = r.stdout
    .trim()
    .split(' ')
    .map((x) => Number(x) / 1000);
  return { med, p90, p99 };
}

/** Removes every jail and waits for the shared supervisor to exit (the next start makes a new one). */
async function noSupervisor() {
  const pids = new Set(
    openRegistry()
      .list()
      .map((r) => r.supervisorPid),
  );
  await removeAll();
  for (const pid of pids) {
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await sleep(50);
    }
  }
}

/** One round of a supervisor with `threads` threads: the quiet jail alone and hammered, in `order`. */
async function fairnessRound(threads, order, out) {
  process.env.SYSJAIL_SUPERVISOR_THREADS = String(threads);
  await cli.startBackgroundJail({ prison: prison(1, { name: 'quiet' }), command: ['/bin/sleep', '100000'] });
  const supervisorPid = openRegistry().find('quiet').supervisorPid;
  out.threadsSeen = memoryOf(supervisorPid).threads;
  for (const kind of order) {
    if (kind === 'alone') {
      out.alone.push(jexecLatency('quiet'));
      continue;
    }
    const { jid } = await cli.startBackgroundJail({
      prison: prison(2),
      command: ['/bin/sj-notify-lat', 'hammer', '8'],
    });
    await sleep(1000);
    out.hammered.push(jexecLatency('quiet'));
    const c = JSON.parse(
      spawnSync(process.execPath, [cliBin('sjls'), '--json', '-j', String(jid)], { env, encoding: 'utf8' })
        .stdout,
    );
    out.loudCalls = Math.max(out.loudCalls, c.jails[0].emulated);
    await cli.removeBackgroundJail(openRegistry().find(jid), 2000);
  }
  await noSupervisor();
}

async function fairnessBench() {
  const runs = { 2: { alone: [], hammered: [], loudCalls: 0 }, 1: { alone: [], hammered: [], loudCalls: 0 } };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['alone', 'hammered'] : ['hammered', 'alone'];
    for (const threads of round % 2 === 0 ? [2, 1] : [1, 2])
      await fairnessRound(threads, order, runs[threads]);
  }
  delete process.env.SYSJAIL_SUPERVISOR_THREADS;
  return runs;
}

const info = machineInfo();
let mem;
let fair;
try {
  mem = await memoryBench();
  fair = await fairnessBench();
} finally {
  await removeAll();
  bench.remove();
}

const last = mem.samples[mem.samples.length - 1];
const budget = goalMb(last.jails);
const pick = (rows, k) => rows.map((r) => r[k]);
const ratios = (run) => ({
  aloneMed: median(pick(run.alone, 'med')),
  hamMed: median(pick(run.hammered, 'med')),
  aloneP90: median(pick(run.alone, 'p90')),
  hamP90: median(pick(run.hammered, 'p90')),
  /** Each round's hammered median over its own alone median, then their median. */
  perRound: median(run.alone.map((a, i) => run.hammered[i].med / a.med)),
});
const two = ratios(fair[2]);
const one = ratios(fair[1]);
const table = (run) =>
  run.alone
    .map(
      (a, i) =>
        `| ${i + 1} | ${f2(a.med)} | ${f2(a.p90)} | ${f2(run.hammered[i].med)} | ${f2(run.hammered[i].p90)} | ${f2(run.hammered[i].med / a.med)}x |`,
    )
    .join('\n');
const met = (ok) => (ok ? 'met' : 'not met');
const out = `# sysjail benchmark: the shared supervisor

Written by packages/cli/bench/supervisor-bench.mjs (\`node bench/supervisor-bench.mjs\` in packages/cli,
after a build). Do not edit by hand.

- date: ${info.date}
- kernel: ${info.kernel}
- node: ${info.node}
- CPUs: ${info.cpus} (${info.cpuModel}), load average at start: ${info.loadavg}
- 2 CPU cores shared with other people working on this machine at the same time: numbers are noisy

## Against the goals

| measurement | sysjail | goal | |
|---|---|---|---|
| supervisor memory with ${last.jails} background jails, RSS | ${f1(last.rss)} MB (${mem.supervisors} supervisor process) | ${budget} MB (60 + 3 x ${last.jails}) | ${met(last.rss <= budget)} |
| same, PSS | ${f1(last.pss)} MB | ${budget} MB | ${met(last.pss <= budget)} |
| a jail's notified-call latency while another jail hammers, median of medians (2 supervisor threads, the default) | ${f2(two.hamMed)} µs vs ${f2(two.aloneMed)} µs alone: ${f2(two.hamMed / two.aloneMed)}x | 2x | ${met(two.hamMed / two.aloneMed <= 2)} |
| same, median of each round's ratio | ${f2(two.perRound)}x | 2x | ${met(two.perRound <= 2)} |
| same, 90th percentile | ${f2(two.hamP90)} µs vs ${f2(two.aloneP90)} µs alone: ${f2(two.hamP90 / two.aloneP90)}x | (2x) | ${met(two.hamP90 / two.aloneP90 <= 2)} |
| side by side, 1 supervisor thread (as before): median of medians | ${f2(one.hamMed)} µs vs ${f2(one.aloneMed)} µs alone: ${f2(one.hamMed / one.aloneMed)}x; per round ${f2(one.perRound)}x | 2x | ${met(one.hamMed / one.aloneMed <= 2)} |

## Memory

Every jail runs \`/bin/sleep\`; the supervisor's memory is read from /proc/<pid>/status (VmRSS) and
/proc/<pid>/smaps_rollup (Pss) 3 s after the last start.

| jails | RSS, MB | PSS, MB | threads | goal, MB |
|---|---|---|---|---|
${mem.samples.map((s) => `| ${s.jails} | ${f1(s.rss)} | ${f1(s.pss)} | ${s.threads} | ${goalMb(s.jails)} |`).join('\n')}

Reference: one jail with a supervisor of its own (the \`jail\` command, as each background jail had
before the shared supervisor): ${f1(mem.reference.rss)} MB RSS, ${f1(mem.reference.pss)} MB PSS, ${mem.reference.threads} threads;
${last.jails} of them would take ${f1(mem.reference.rss * last.jails)} MB.

## Fairness

${ROUNDS} rounds; in each, a supervisor with 2 threads and one with 1 thread (order alternating; all jails
removed and the supervisor restarted between them), each measuring the quiet jail alone and hammered
(order alternating). Each sample: \`jexec quiet sj-notify-lat ${CALLS}\`,
${CALLS} listen(2) calls on a listening socket, each timed by the program (CLOCK_MONOTONIC), median and
90th percentile. "Hammered": another jail of the same supervisor runs \`sj-notify-lat hammer 8\` (8 threads
calling listen(2) without pause; up to ${fair[2].loudCalls} (2 threads) and ${fair[1].loudCalls} (1 thread) of its
calls answered in a round).

2 supervisor threads (the default; the supervisor process had ${fair[2].threadsSeen} threads):

| round | alone median µs | alone p90 µs | hammered median µs | hammered p90 µs | ratio |
|---|---|---|---|---|---|
${table(fair[2])}

1 supervisor thread (SYSJAIL_SUPERVISOR_THREADS=1; ${fair[1].threadsSeen} threads):

| round | alone median µs | alone p90 µs | hammered median µs | hammered p90 µs | ratio |
|---|---|---|---|---|---|
${table(fair[1])}
`;
mkdirSync(join(resultsFile, '..'), { recursive: true });
writeFileSync(resultsFile, out);
process.stdout.write(out);
process.exit(0);
