// Benchmark of the jail against its goals, side by side in one run, interleaved, medians:
//   1. startJail (prewarmed) vs bubblewrap                  goal: within 1.5x of bwrap
//   2. the `jail` command vs `node -e 0` + bubblewrap         goal: within 1.4x (one hyperfine run)
//   3. a syscall-heavy loop jailed vs the seccomp floor      goal: within 1.03x (the program's own CPU clock)
//      (chroot plus a one-instruction allow filter, which the kernel's action cache answers: issue 12)
//   4. a notified call (listen, setrlimit) vs a C supervisor (RECV + SEND only)
// then the start-path profile (start-profile.mjs: startJail's own stages). Writes <repo>/bench/results/jail.md.
// Run with `pnpm bench` in packages/cli (after a build). Knobs: BENCH_ROUNDS, BENCH_SYSCALL_N,
// BENCH_NOTIFY_N, BENCH_PROFILE_RUNS, BENCH_HYPERFINE_RUNS, BENCH_TASKSET (a CPU list: pins the
// hyperfine commands, for when their times are bimodal). `--profile` runs the profile alone (with
// BENCH_ROUNDS runs of the jail command for its phases) and prints its section, writing nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ensureHyperfine, hyperfine } from './hyperfine.mjs';
import { cliBin, DEPTH_FILES, makeBenchRoot } from './jail-root.mjs';
import { machineInfo } from './machine.mjs';
import { median } from './median.mjs';
import { notifyModes } from './notify-modes.mjs';
import {
  bwrap,
  bwrapArgs,
  bwrapSeccomp,
  chroot,
  envWithoutCerts,
  JAIL_ADDRESS,
  jailCommand,
  jailStamp,
  nodeNothing,
  runExternal,
  runInJail,
} from './runs.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SYSCALL_ROUNDS = Number(process.env.BENCH_SYSCALL_ROUNDS ?? 11);
const SYSCALL_N = Number(process.env.BENCH_SYSCALL_N ?? 200000);
const NOTIFY_N = Number(process.env.BENCH_NOTIFY_N ?? 20000);
const PROFILE_RUNS = Number(process.env.BENCH_PROFILE_RUNS ?? 6);
const HYPERFINE_RUNS = Number(process.env.BENCH_HYPERFINE_RUNS ?? 30);
const TASKSET = process.env.BENCH_TASKSET;
const resultsFile = fileURLToPath(new URL('../../../bench/results/jail.md', import.meta.url));
const bindingsResults = fileURLToPath(new URL('../../systrace-bindings/bench/results.md', import.meta.url));
const profileScript = fileURLToPath(new URL('./start-profile.mjs', import.meta.url));

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const ratio = (a, b) => `${f2(a / b)}x`;
const met = (r, goal) => (r <= goal ? 'met' : 'not met');
const list = (xs, f = f1) => xs.map(f).join(' ');

/** Runs each kind once per round, the order rotated every round; 150 ms pause between. */
async function interleave(rounds, kinds) {
  const samples = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const names = Object.keys(kinds);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      samples[name].push(await kinds[name]());
      await sleep(150);
    }
  }
  return samples;
}

const pick = (rows, key) => rows.map((r) => r[key]);

function profileRun(root, runs, flags = []) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [profileScript, root, String(runs), ...flags], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`start-profile: ${r.stderr}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return {
    wall,
    runs: lines.filter((l) => 'run' in l),
    end: lines.find((l) => 'end' in l)?.end,
    launchMs: lines.find((l) => 'launchMs' in l)?.launchMs,
  };
}

/** The profile's processes: 3 cold as the jail command starts, 3 cold as a library caller, one prewarmed. */
function profileRuns(root) {
  const cold = [];
  const coldLibrary = [];
  for (let i = 0; i < 3; i++) {
    cold.push(profileRun(root, 1));
    coldLibrary.push(profileRun(root, 1, ['--library']));
  }
  return { cold, coldLibrary, warm: profileRun(root, PROFILE_RUNS, ['--library']) };
}

/** [step, ms for the step] from a run's marks; indented entries ("of which", "meanwhile") are already durations. */
function steps(marks) {
  const out = [];
  let prev = 0;
  for (const [step, v] of marks) {
    if (step.startsWith('  ')) out.push([step, v]);
    else {
      out.push([step, v - prev]);
      prev = v;
    }
  }
  return out;
}

function floorFromBindings() {
  try {
    const row = readFileSync(bindingsResults, 'utf8').match(
      /notified getppid\(\), C supervisor \(RECV \+ SEND\) \| ([0-9.]+)/,
    );
    return row ? Number(row[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `f` while a background jail (sysjail -b ... /bin/sleep) keeps a shared supervisor running in run
 * directory `runDir`, started as the measured commands are (pinned alike with BENCH_TASKSET: a client
 * the supervisor differs from is given back its jail); removes it after.
 */
function withKeeper(root, runDir, f) {
  const keeperEnv = { ...envWithoutCerts(), SYSJAIL_RUN_DIR: runDir };
  const pin = TASKSET ? ['taskset', '-c', TASKSET] : [];
  const started = spawnSync(
    pin[0] ?? cliBin('sysjail'),
    [
      ...pin.slice(1),
      ...(pin.length ? [cliBin('sysjail')] : []),
      '-b',
      '-n',
      'sysjail-bench-keeper',
      root,
      'keeper',
      '127.0.0.6',
      '/bin/sleep',
      '100000',
    ],
    { env: keeperEnv, encoding: 'utf8' },
  );
  if (started.status !== 0) throw new Error(`sysjail -b: ${started.stderr}`);
  try {
    return f(keeperEnv);
  } finally {
    spawnSync(cliBin('jail'), ['-r', 'sysjail-bench-keeper'], { env: keeperEnv, stdio: 'ignore' });
  }
}

async function main() {
  ensureHyperfine();
  const machine = machineInfo();
  const env = makeBenchRoot();
  const { root, dir } = env;
  try {
    if (process.argv.includes('--profile')) {
      jailCommand(root, ['/bin/sj-stamp']); // warm-up, not measured
      const phases = [];
      for (let i = 0; i < ROUNDS; i++) phases.push(jailCommand(root, ['/bin/sj-stamp']).phases);
      console.log(profileSection(profileRuns(root), phases).join('\n'));
      return;
    }
    const core = await import('@sysjail/core');
    const { linux } = await import('@sysjail/emul-linux');
    core.prewarm();
    // warm-up (file caches, the supervisor thread), not measured
    await jailStamp(core, linux, root, dir);
    bwrap(root, ['/bin/sj-stamp']);
    jailCommand(root, ['/bin/sj-stamp']);
    await sleep(300);

    console.error(`start: ${ROUNDS} rounds`);
    const start = await interleave(ROUNDS, {
      lib: () => jailStamp(core, linux, root, dir),
      bwrap: async () => bwrap(root, ['/bin/sj-stamp']),
      cmd: async () => jailCommand(root, ['/bin/sj-stamp']),
      node: async () => nodeNothing(),
    });

    // The goal's run: no NODE_EXTRA_CA_CERTS for any command. The bin's shell part starts node without it, so
    // with it set node -e 0 would pay for parsing certificates (~38 ms CPU here) that the jail command skips.
    // A run directory of its own, where no shared supervisor runs: the jail command starts the jail itself.
    const noCertsEnv = { ...envWithoutCerts(), SYSJAIL_RUN_DIR: join(dir, 'run-alone') };
    console.error(`command: one hyperfine run of ${HYPERFINE_RUNS}, without NODE_EXTRA_CA_CERTS`);
    const command = hyperfine(
      {
        jail: [cliBin('jail'), root, 'h', JAIL_ADDRESS, '/bin/true'],
        jailCodeCache: [process.execPath, cliBin('jail'), root, 'h', JAIL_ADDRESS, '/bin/true'],
        node: [process.execPath, '-e', '0'],
        bwrap: ['bwrap', ...bwrapArgs(root, ['/bin/true'])],
      },
      { runs: HYPERFINE_RUNS, env: noCertsEnv, ...(TASKSET ? { cpus: TASKSET } : {}) },
    );
    // The same with the environment as it is (NODE_EXTRA_CA_CERTS kept when set): a detail, not the goal.
    const asIs =
      process.env.NODE_EXTRA_CA_CERTS === undefined
        ? undefined
        : hyperfine(
            {
              jail: [cliBin('jail'), root, 'h', JAIL_ADDRESS, '/bin/true'],
              node: [process.execPath, '-e', '0'],
              bwrap: ['bwrap', ...bwrapArgs(root, ['/bin/true'])],
            },
            { runs: HYPERFINE_RUNS, ...(TASKSET ? { cpus: TASKSET } : {}) },
          );

    console.error(`command handed to a running supervisor: two hyperfine runs of ${HYPERFINE_RUNS}`);
    // The first run meets a supervisor that has just started (V8 has compiled little of its hand-off path
    // yet); the second, the same supervisor once it has served those jails: its steady state.
    const handedRuns = withKeeper(root, join(dir, 'run-keeper'), (keeperEnv) => {
      const run = () =>
        hyperfine(
          {
            jail: [cliBin('jail'), root, 'h', JAIL_ADDRESS, '/bin/true'],
            node: [process.execPath, '-e', '0'],
            bwrap: ['bwrap', ...bwrapArgs(root, ['/bin/true'])],
          },
          { runs: HYPERFINE_RUNS, env: keeperEnv, ...(TASKSET ? { cpus: TASKSET } : {}) },
        );
      const fresh = run();
      return { fresh, steady: run() };
    });
    const handedOff = handedRuns.steady;
    const handedFresh = handedRuns.fresh;

    console.error(
      `command paths that start nothing: one hyperfine run of ${HYPERFINE_RUNS}, without NODE_EXTRA_CA_CERTS`,
    );
    const jailBin = [cliBin('jail')];
    const codeCache = [process.execPath, cliBin('jail')];
    const paths = hyperfine(
      {
        node: [process.execPath, '-e', '0'],
        help: [...jailBin, '--help'],
        version: [...jailBin, '--version'],
        usage: [...jailBin, root, 'h'],
        remove: [...jailBin, '-r', 'sysjail-bench-none'],
        helpCodeCache: [...codeCache, '--help'],
        usageCodeCache: [...codeCache, root, 'h'],
        removeCodeCache: [...codeCache, '-r', 'sysjail-bench-none'],
      },
      { runs: HYPERFINE_RUNS, ignoreFailure: true, env: noCertsEnv, ...(TASKSET ? { cpus: TASKSET } : {}) },
    );

    console.error(`syscalls: ${SYSCALL_ROUNDS} rounds of ${SYSCALL_N} iterations`);
    // The seccomp share of the overhead: bwrap with a one-instruction allow-all filter, and with the jail's.
    const allowAllFilter = join(dir, 'allow-all.bpf');
    writeFileSync(allowAllFilter, Buffer.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f])); // ret ALLOW
    const jailFilter = join(dir, 'jail.bpf');
    const jailPrison = {
      path: root,
      hostname: 'h',
      ipv4: [JAIL_ADDRESS],
      ipv6: [],
      flags: core.defaultPrisonFlags,
    };
    writeFileSync(
      jailFilter,
      (await import('@sysjail/core/internals')).encodeFilter(
        core.compileFilter(linux, linux.policy(jailPrison), { auditDenials: true }).ops,
      ),
    );
    const loop = ['/bin/sj-syscalls', String(SYSCALL_N), '/etc/passwd'];
    const sys = await interleave(SYSCALL_ROUNDS, {
      jail: async () => Number((await runInJail(core, linux, root, dir, loop)).out) / SYSCALL_N,
      floor: async () => Number(chroot(root, [...loop, 'allow']).out) / SYSCALL_N,
      floorLandlock: async () => Number(chroot(root, [...loop, 'landlock']).out) / SYSCALL_N,
      floorLandlockTop: async () => Number(chroot(root, [...loop, 'landlock-top']).out) / SYSCALL_N,
      chroot: async () => Number(chroot(root, loop).out) / SYSCALL_N,
      bwrap: async () => Number(runExternal('bwrap', 'bwrap', bwrapArgs(root, loop)).out) / SYSCALL_N,
      bwrapAllow: async () => Number(bwrapSeccomp(root, loop, allowAllFilter).out) / SYSCALL_N,
      bwrapJailFilter: async () => Number(bwrapSeccomp(root, loop, jailFilter).out) / SYSCALL_N,
    });

    // The same calls one kind at a time (sj-syscalls' split: a loop of N getpid, then of N open+read+close,
    // then of N stat), CPU ns per call: which calls are at the floor and which pay for Landlock.
    console.error(`syscalls per call: ${SYSCALL_ROUNDS} rounds of ${SYSCALL_N} calls of each kind`);
    const perKind = (out) => out.split(' ').map((ns) => Number(ns) / SYSCALL_N);
    const split = await interleave(SYSCALL_ROUNDS, {
      jail: async () => perKind((await runInJail(core, linux, root, dir, [...loop, 'none', 'split'])).out),
      floor: async () => perKind(chroot(root, [...loop, 'allow', 'split']).out),
      floorLandlock: async () => perKind(chroot(root, [...loop, 'landlock', 'split']).out),
      floorLandlockTop: async () => perKind(chroot(root, [...loop, 'landlock-top', 'split']).out),
      floorLandlockFile: async () => perKind(chroot(root, [...loop, 'landlock-file', 'split']).out),
      floorLandlockNoRead: async () => perKind(chroot(root, [...loop, 'landlock-noread', 'split']).out),
    });
    // open+read+close of files 1 to 8 directories below the root: Landlock walks up from the file to a
    // directory with a rule (the root, or a top-level directory).
    console.error(`Landlock by depth: ${SYSCALL_ROUNDS} rounds of ${SYSCALL_N} calls`);
    const depthKinds = {};
    for (const [depth, path] of Object.entries(DEPTH_FILES))
      for (const mode of ['allow', 'landlock', 'landlock-top'])
        depthKinds[`${mode} ${depth}`] = async () =>
          perKind(chroot(root, ['/bin/sj-syscalls', String(SYSCALL_N), path, mode, 'split']).out)[1];
    const depths = await interleave(SYSCALL_ROUNDS, depthKinds);

    console.error(`notify: ${ROUNDS} rounds of ${NOTIFY_N} calls`);
    const notifyArgs = [String(NOTIFY_N), JAIL_ADDRESS];
    const perCall = (out) => out.split(' ').map((ns) => Number(ns) / NOTIFY_N / 1000);
    const notify = await interleave(ROUNDS, {
      jail: async () => {
        const r = await runInJail(core, linux, root, dir, ['/bin/sj-notify', ...notifyArgs]);
        if (r.counters.notified < 2 * NOTIFY_N + 1) {
          throw new Error(`only ${r.counters.notified} calls reached the supervisor`);
        }
        return perCall(r.out);
      },
      floor: async () =>
        perCall(
          runExternal('floor', env.built['sj-notify-floor'], [env.built['sj-notify'], ...notifyArgs]).out,
        ),
      plain: async () => perCall(runExternal('plain', env.built['sj-notify'], notifyArgs).out),
    });

    console.error(`supervision modes: ${ROUNDS} rounds of ${NOTIFY_N} calls, quiet and with a busy relay`);
    const modes = await notifyModes(core, linux, root, dir, ROUNDS, NOTIFY_N);

    console.error('profile');
    const profiles = profileRuns(root);

    const report = format({
      machine,
      start,
      command,
      handedOff,
      handedFresh,
      asIs,
      paths,
      sys,
      split,
      depths,
      notify,
      modes,
      profiles,
      bindingsFloor: floorFromBindings(),
    });
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, report);
    console.log(report);
  } finally {
    env.remove();
  }
}

function format({
  machine,
  start,
  command,
  handedOff,
  handedFresh,
  asIs,
  paths,
  sys,
  split,
  depths,
  notify,
  modes,
  profiles,
  bindingsFloor,
}) {
  const m = (rows, key) => median(pick(rows, key));
  const lib = {
    started: m(start.lib, 'started'),
    running: m(start.lib, 'running'),
    exited: m(start.lib, 'exited'),
  };
  const bw = { running: m(start.bwrap, 'running'), exited: m(start.bwrap, 'exited') };
  const cmd = { running: m(start.cmd, 'running'), exited: m(start.cmd, 'exited') };
  const node = m(start.node, 'exited');
  const sysJail = median(sys.jail);
  const sysFloor = median(sys.floor);
  const sysChroot = median(sys.chroot);
  const col = (rows, i) => rows.map((r) => r[i]);
  const nj = [median(col(notify.jail, 0)), median(col(notify.jail, 1))];
  const nf = [median(col(notify.floor, 0)), median(col(notify.floor, 1))];
  const np = [median(col(notify.plain, 0)), median(col(notify.plain, 1))];
  const hf = command;
  const cmdReference = hf.node.median + hf.bwrap.median;

  const out = [];
  const p = (s = '') => out.push(s);
  p('# sysjail benchmark: jail start, syscall overhead, notified calls');
  p();
  p('Written by `pnpm bench` in packages/cli (packages/cli/bench/jail-bench.mjs). Do not edit by hand.');
  p();
  p(`- date: ${machine.date}`);
  p(`- kernel: ${machine.kernel}`);
  p(`- node: ${machine.node}`);
  p(`- CPUs: ${machine.cpus} (${machine.cpuModel}), load average at start: ${machine.loadavg}`);
  p(
    `- rounds: ${ROUNDS} (start, notify), ${SYSCALL_ROUNDS} (syscall loop, ${SYSCALL_N} iterations), interleaved, medians`,
  );
  p('- 2 CPU cores shared with other people working on this machine at the same time: numbers are noisy');
  p();
  p('## Against the goals');
  p();
  p('| # | measurement | sysjail | reference | ratio | goal | |');
  p('|---|---|---|---|---|---|---|');
  p(
    `| 1 | startJail (prewarmed) → command running, ms | ${f1(lib.running)} | bwrap ${f1(bw.running)} | ${ratio(lib.running, bw.running)} | 1.5x | ${met(lib.running / bw.running, 1.5)} |`,
  );
  p(
    `| 1 | startJail (prewarmed) → command exited (\`exited\` resolved), ms | ${f1(lib.exited)} | bwrap ${f1(bw.exited)} | ${ratio(lib.exited, bw.exited)} | 1.5x | ${met(lib.exited / bw.exited, 1.5)} |`,
  );
  p(
    `| 2 | \`jail ROOT h ${JAIL_ADDRESS} /bin/true\`, ms (hyperfine -N, median) | ${f1(hf.jail.median)} | node -e 0 + bwrap = ${f1(hf.node.median)} + ${f1(hf.bwrap.median)} (no NODE_EXTRA_CA_CERTS for any) | ${ratio(hf.jail.median, cmdReference)} | 1.4x | ${met(hf.jail.median / cmdReference, 1.4)} |`,
  );
  const handed = handedOff;
  const handedReference = handed.node.median + handed.bwrap.median;
  p(
    `| 2 | same, with a shared supervisor running (the jail handed to it; the supervisor's steady state, after ${HYPERFINE_RUNS + 3} jails), ms | ${f1(handed.jail.median)} | node -e 0 + bwrap = ${f1(handed.node.median)} + ${f1(handed.bwrap.median)} (another hyperfine run) | ${ratio(handed.jail.median, handedReference)} | 1.4x | ${met(handed.jail.median / handedReference, 1.4)} |`,
  );
  p(
    `| 3 | syscall loop, CPU ns per iteration (getpid, open, read, close, stat) | ${f1(sysJail)} | floor (chroot + allow filter) ${f1(sysFloor)} | ${ratio(sysJail, sysFloor)} | 1.03x | ${met(sysJail / sysFloor, 1.03)} |`,
  );
  const jMin = Math.min(...sys.jail);
  const fMin = Math.min(...sys.floor);
  p(
    `| 3 | same, fastest run of each (less sensitive to the others' load) | ${f1(jMin)} | floor ${f1(fMin)} | ${ratio(jMin, fMin)} | 1.03x | ${met(jMin / fMin, 1.03)} |`,
  );
  const splitCol = (rows, i) => median(rows.map((r) => r[i]));
  const perCall = ['getpid', 'open+read+close', 'stat'];
  perCall.forEach((call, i) => {
    const j = splitCol(split.jail, i);
    const fl = splitCol(split.floor, i);
    p(
      `| 3 | per call: ${call}, CPU ns (a loop of that call alone) | ${f1(j)} | floor ${f1(fl)} | ${ratio(j, fl)} | 1.03x | ${met(j / fl, 1.03)} |`,
    );
  });
  p(
    `| 4 | notified listen(2) on a listening socket, µs per call | ${f2(nj[0])} | C supervisor ${f2(nf[0])} | ${ratio(nj[0], nf[0])} | (2x, as systrace-bindings) | ${met(nj[0] / nf[0], 2)} |`,
  );
  p(
    `| 4 | notified setrlimit(2) lowering the soft limit, µs per call | ${f2(nj[1])} | C supervisor ${f2(nf[1])} | ${ratio(nj[1], nf[1])} | (2x) | ${met(nj[1] / nf[1], 2)} |`,
  );
  p();
  p('## Details');
  p();
  p(
    `- (1) startJail's promise resolves ${f1(lib.started)} ms after the call (median); the command runs ${f1(lib.running - lib.started)} ms later.`,
  );
  p(
    `  "running" is the command's own CLOCK_MONOTONIC print (sj-stamp), compared with the caller's clock at the call.`,
  );
  p(`  bwrap is spawned with spawnSync from the same Node process (its fork/exec from Node is included).`);
  p(
    `- (2) one hyperfine run (-N, ${HYPERFINE_RUNS} runs each after 3 warm-ups${TASKSET ? `, pinned: taskset -c ${TASKSET}` : ''}); fastest: jail ${f1(hf.jail.min)}, node -e 0 ${f1(hf.node.min)}, bwrap ${f1(hf.bwrap.min)} ms (bwrap as in (1), /bin/true).`,
  );
  p(
    `  Every command of this run without NODE_EXTRA_CA_CERTS. The jail bin is run as a user runs it (the file itself); as \`node jail.js\` the same run takes ${f1(hf.jailCodeCache.median)} ms (${ratio(hf.jailCodeCache.median, cmdReference)}).`,
  );
  if (asIs) {
    const asIsReference = asIs.node.median + asIs.bwrap.median;
    p(
      `  With the environment as it is (NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}: node -e 0 parses those certificates at start, the jail bin's shell part starts node without them), another hyperfine run: jail ${f1(asIs.jail.median)}, node -e 0 ${f1(asIs.node.median)}, bwrap ${f1(asIs.bwrap.median)} ms, ${ratio(asIs.jail.median, asIsReference)} — not the goal's measure: node -e 0 does work there that the jail command skips.`,
    );
  }
  p(
    `  Spawned from this Node process (spawnSync, interleaved with (1)): the jail command runs its command ${f1(cmd.running)} ms after spawn and is gone after ${f1(cmd.exited)} ms; node -e 0 takes ${f1(node)} ms.`,
  );
  p(
    `- (2) with a shared supervisor running (a background jail keeps it, in a run directory of its own; the first row's run directory has none): the jail command hands the jail to it (docs/design.md, "Handing a jail to the supervisor"). Two hyperfine runs, as the first. The first meets the supervisor just started, its hand-off path not yet compiled by V8: jail ${f1(handedFresh.jail.median)}, node -e 0 ${f1(handedFresh.node.median)}, bwrap ${f1(handedFresh.bwrap.median)} ms, ${ratio(handedFresh.jail.median, handedFresh.node.median + handedFresh.bwrap.median)} (fastest: jail ${f1(handedFresh.jail.min)}). The second, in the table, the same supervisor after those ${HYPERFINE_RUNS + 3} jails; fastest: jail ${f1(handed.jail.min)}, node -e 0 ${f1(handed.node.min)}, bwrap ${f1(handed.bwrap.min)} ms.`,
  );
  const pathRow = (name, what) =>
    `| ${what} | ${f1(paths[name].median)} | ${f1(paths[name].median - paths.node.median)} |`;
  p(
    `- (2) the command's paths that start nothing, another hyperfine run (-N, ${HYPERFINE_RUNS} runs), medians:`,
  );
  p(
    '  The bin as a user runs it (node without NODE_EXTRA_CA_CERTS), and `node jail.js`: the bundle with its V8 code cache either way; koffi is loaded on first use (by -r, not by a usage error).',
  );
  p();
  p('  | command | ms | over node -e 0 |');
  p('  |---|---|---|');
  p(`  | node -e 0 | ${f1(paths.node.median)} | |`);
  p(`  ${pathRow('help', 'jail --help')}`);
  p(`  ${pathRow('version', 'jail --version')}`);
  p(`  ${pathRow('usage', 'jail ROOT h (usage error, exit 2)')}`);
  p(`  ${pathRow('remove', 'jail -r NAME (no such jail, exit 1)')}`);
  p(`  ${pathRow('helpCodeCache', '`node jail.js` --help')}`);
  p(`  ${pathRow('usageCodeCache', '`node jail.js` ROOT h')}`);
  p(`  ${pathRow('removeCodeCache', '`node jail.js` -r NAME')}`);
  p();
  p(
    `- (3) per-iteration ns from the program's own CPU clock (CLOCK_PROCESS_CPUTIME_ID) around the loop; process start excluded.`,
  );
  p(
    `  The floor is issue 12's: chroot plus a one-instruction SECCOMP_RET_ALLOW filter (the cheapest cached allow filter every seccomp jail pays).`,
  );
  p(
    `  Plain chroot, no filter: ${f1(sysChroot)} (the jail ${ratio(sysJail, sysChroot)}, the floor ${ratio(sysFloor, sysChroot)}).`,
  );
  const llTop = median(sys.floorLandlockTop);
  p(
    `  The floor plus a Landlock domain like the jail's (every file system right handled, all allowed beneath the root, the rule on / and on each top-level directory on its mount): ${f1(llTop)} (${ratio(llTop, sysFloor)} of the floor; the jail ${ratio(sysJail, llTop)} of it); with the rule on / only: ${f1(median(sys.floorLandlock))} (${ratio(median(sys.floorLandlock), sysFloor)}): Landlock's check of the path on open(2).`,
  );
  p('  Per call (a loop of each call alone, medians, CPU ns per call, ratio to the floor):');
  p();
  p(`  | | ${perCall.join(' | ')} |`);
  p('  |---|---|---|---|');
  const splitRows = {
    'floor (chroot + allow filter)': split.floor,
    jail: split.jail,
    'floor + Landlock, rule on / and the top-level directories (as the jail)': split.floorLandlockTop,
    'floor + Landlock, rule on / only': split.floorLandlock,
    'floor + Landlock, rule on / and on the file itself (no walk: the check alone)': split.floorLandlockFile,
    "floor + Landlock handling none of the rights open(O_RDONLY) asks for (no check: the hook's entry)":
      split.floorLandlockNoRead,
  };
  for (const [name, rows] of Object.entries(splitRows)) {
    const cells = perCall.map((_, i) => {
      const v = splitCol(rows, i);
      return rows === split.floor ? f1(v) : `${f1(v)} (${ratio(v, splitCol(split.floor, i))})`;
    });
    p(`  | ${name} | ${cells.join(' | ')} |`);
  }
  p();
  p(
    '  Landlock by the depth of the opened file (open+read+close alone, CPU ns per call, medians): its hook walks up from the file to a directory with a rule, a step per directory.',
  );
  p();
  p(
    '  | file | path components | floor | + Landlock, rule on / and top-level directories | + Landlock, rule on / only |',
  );
  p('  |---|---|---|---|---|');
  for (const [depth, path] of Object.entries(DEPTH_FILES)) {
    const fl = median(depths[`allow ${depth}`]);
    const top = median(depths[`landlock-top ${depth}`]);
    const only = median(depths[`landlock ${depth}`]);
    p(
      `  | ${path} | ${depth} | ${f1(fl)} | ${f1(top)} (+${f1(top - fl)}) | ${f1(only)} (+${f1(only - fl)}) |`,
    );
  }
  p();
  p(
    `  Fastest run: jail ${f1(Math.min(...sys.jail))}, floor ${f1(Math.min(...sys.floor))}, chroot ${f1(Math.min(...sys.chroot))}, bwrap ${f1(Math.min(...sys.bwrap))} (median bwrap ${f1(median(sys.bwrap))}).`,
  );
  p(
    `  Where the difference comes from (medians, ns/iteration): bwrap ${f1(median(sys.bwrap))}; bwrap with a`,
  );
  p(
    `  one-instruction allow-all seccomp filter ${f1(median(sys.bwrapAllow))} (${ratio(median(sys.bwrapAllow), median(sys.bwrap))});`,
  );
  p(
    `  bwrap with the jail's own filter ${f1(median(sys.bwrapJailFilter))} (${ratio(median(sys.bwrapJailFilter), median(sys.bwrap))}).`,
  );
  p(`  All five calls are allowed by the jail's filter without looking at an argument, so the kernel's`);
  p(`  seccomp action cache answers them without running it: what remains is the price of having any`);
  p(`  filter at all (the syscall entry slow path for a task with SYSCALL_WORK_SECCOMP).`);
  p(
    `- (4) the same program (sj-notify) on the host with no filter: listen ${f2(np[0])} µs, setrlimit ${f2(np[1])} µs per call.`,
  );
  p(
    `  The C supervisor (sj-notify-floor) answers RECV + SEND with 0 and does not perform the call; the jail's`,
  );
  p(
    `  supervisor takes the socket with pidfd_getfd and listens on it, or copies the rlimit and runs prlimit64.`,
  );
  if (bindingsFloor !== undefined)
    p(
      `  systrace-bindings' own bench (bench/results.md) has the C floor at ${f2(bindingsFloor)} µs (getppid).`,
    );
  p(
    "  Row 4 is startJail's default, supervision by a worker thread. The jail command's one-shot jail is supervised",
  );
  p("  in its own thread's event loop (libuv poll handles). Both modes side by side (sj-notify, medians of");
  p(
    `  ${modes.quiet.thread.runs.length} interleaved rounds), quiet and while the jail floods its stdout through the relay (to /dev/null),`,
  );
  p('  which runs in the same event loop as the in-thread supervision:');
  p();
  p(
    '  | supervision | listen µs | setrlimit µs | listen µs, relay busy | setrlimit µs, relay busy | relay MB/s meanwhile |',
  );
  p('  |---|---|---|---|---|---|');
  for (const mode of ['thread', 'worker']) {
    const q = modes.quiet[mode];
    const b = modes.busy[mode];
    p(
      `  | ${mode} | ${f2(q.listen)} | ${f2(q.setrlimit)} | ${f2(b.listen)} | ${f2(b.setrlimit)} | ${f1(b.floodMBs)} |`,
    );
  }
  p();
  p('Per-run values, in run order:');
  p();
  p(
    `- startJail → running (ms): ${list(pick(start.lib, 'running'))}; → exited: ${list(pick(start.lib, 'exited'))}`,
  );
  p(
    `- bwrap → running (ms): ${list(pick(start.bwrap, 'running'))}; → exited: ${list(pick(start.bwrap, 'exited'))}`,
  );
  p(
    `- jail command → running (ms): ${list(pick(start.cmd, 'running'))}; → exited: ${list(pick(start.cmd, 'exited'))}`,
  );
  p(`- node -e 0 (ms): ${list(pick(start.node, 'exited'))}`);
  p(
    `- hyperfine (ms): jail ${list(hf.jail.times)}; node -e 0 ${list(hf.node.times)}; bwrap ${list(hf.bwrap.times)}`,
  );
  p(
    `- hyperfine, handed to a supervisor (ms): just started: jail ${list(handedFresh.jail.times)}; steady: jail ${list(handed.jail.times)}; node -e 0 ${list(handed.node.times)}; bwrap ${list(handed.bwrap.times)}`,
  );
  p(
    `- syscall loop ns/iteration, jail: ${list(sys.jail)}; floor: ${list(sys.floor)}; floor + Landlock: ${list(sys.floorLandlockTop)}; floor + Landlock, rule on / only: ${list(sys.floorLandlock)}; chroot: ${list(sys.chroot)}; bwrap: ${list(sys.bwrap)}`,
  );
  p(
    `- open+read+close ns/call, jail: ${list(split.jail.map((r) => r[1]))}; floor: ${list(split.floor.map((r) => r[1]))}; floor + Landlock: ${list(split.floorLandlockTop.map((r) => r[1]))}; rule on / only: ${list(split.floorLandlock.map((r) => r[1]))}`,
  );
  p(`- listen µs, jail: ${list(col(notify.jail, 0), f2)}; floor: ${list(col(notify.floor, 0), f2)}`);
  p(`- setrlimit µs, jail: ${list(col(notify.jail, 1), f2)}; floor: ${list(col(notify.floor, 1), f2)}`);
  p();
  out.push(...profileSection(profiles, pick(start.cmd, 'phases')));
  return `${out.join('\n')}\n`;
}

function profileSection(profiles, commandPhases) {
  const out = [];
  const p = (s = '') => out.push(s);
  p('## Where the start-up milliseconds go');
  p();
  p("### The jail command, startJail phases (core's SYSJAIL_TRACE=1, the runs of (2), median)");
  p();
  const byPhase = new Map();
  for (const run of commandPhases) for (const [k, v] of run) byPhase.set(k, [...(byPhase.get(k) ?? []), v]);
  p('| phase | ms |');
  p('|---|---|');
  let sum = 0;
  for (const [k, v] of byPhase) {
    sum += median(v);
    p(`| ${k} | ${f1(median(v))} |`);
  }
  p(`| (sum of medians) | ${f1(sum)} |`);
  p();
  p('### Step by step (packages/cli/bench/start-profile.mjs)');
  p();
  p(
    "startJail itself: a stage's row is a mark taken as the stage ends, from the stages core publishes on its",
  );
  p(
    '`sysjail:start` diagnostics channel (the ones SYSJAIL_TRACE=1 prints), ms since the mark before (the first',
  );
  p(
    "stage's includes startJail's entry); the other rows are the script's marks around the call, node start-up",
  );
  p(
    "ms since the process started. The script imports the packages' ES modules (tsc's output); the jail command",
  );
  p(
    'runs its bundle instead (see (2) and its phases above). The command is /bin/sj-stamp, its stdout to a file.',
  );
  p("Cold = a fresh process's first start, median of 3 processes: as the jail command starts (supervised in");
  p('its own thread, recorded in the registry, nothing prewarmed), and as a library caller (prewarm() after');
  p(
    'the imports: a supervisor worker thread, no registry). Prewarmed = the later starts of a library caller in',
  );
  p(`one process (median of ${PROFILE_RUNS - 1}).`);
  p();
  const { cold, coldLibrary, warm } = profiles;
  const byStep = (runs) => {
    const by = new Map();
    for (const run of runs)
      for (const [name, v] of steps(run.marks)) by.set(name, [...(by.get(name) ?? []), v]);
    return by;
  };
  const columns = [
    byStep(cold.map((pr) => pr.runs[0])),
    byStep(coldLibrary.map((pr) => pr.runs[0])),
    byStep(warm.runs.slice(1)),
  ];
  // The rows in order: every step of each column, a new one after the step before it.
  const rows = [];
  for (const by of columns) {
    let at = 0;
    for (const name of by.keys()) {
      const i = rows.indexOf(name);
      if (i >= 0) at = i + 1;
      else if (name !== '(prewarmed) begin') rows.splice(at++, 0, name);
    }
  }
  p('| step | cold, as the jail command, ms | cold, a library caller, ms | prewarmed, ms |');
  p('|---|---|---|---|');
  for (const name of rows) {
    const cells = columns.map((by) => (by.has(name) ? f1(median(by.get(name))) : ''));
    p(`| ${name.trim()} | ${cells.join(' | ')} |`);
  }
  const lastMark = (prs) => median(prs.map((pr) => pr.runs[0].marks.at(-1)[1]));
  const end = (prs) => median(prs.map((pr) => pr.end));
  const wall = (prs) => median(prs.map((pr) => pr.wall));
  p(
    `| process 'exit' event after exited | ${f1(end(cold) - lastMark(cold))} | ${f1(end(coldLibrary) - lastMark(coldLibrary))} | |`,
  );
  p(
    `| 'exit' event → process gone (spawnSync returns) | ${f1(wall(cold) - end(cold))} | ${f1(wall(coldLibrary) - end(coldLibrary))} | |`,
  );
  p(`| **total wall, spawn → process gone** | **${f1(wall(cold))}** | **${f1(wall(coldLibrary))}** | |`);
  p();
  const launchMs = warm.launchMs ?? { vfork: [], fork: [] };
  p(
    'The launcher alone, from the prewarmed ~100 MB Node process (launch() of /bin/true, no setup ops, until it',
  );
  p(
    `has exec'd): vfork-style child (the jail's) ${f2(median(launchMs.vfork))} ms (${list(launchMs.vfork, f2)}),`,
  );
  p(`fork-style (copies the page tables) ${f2(median(launchMs.fork))} ms (${list(launchMs.fork, f2)}).`);
  p();
  p('### Variants (cold process, median of 3)');
  p();
  p('| start | command running, ms | spawn → process gone, ms |');
  p('|---|---|---|');
  const running = (prs) => f1(median(prs.map((pr) => pr.runs[0].running)));
  p(`| as the jail command (supervised in its thread, registry) | ${running(cold)} | ${f1(wall(cold))} |`);
  p(
    `| a library caller (prewarm(), supervisor worker thread) | ${running(coldLibrary)} | ${f1(wall(coldLibrary))} |`,
  );
  p();
  return out;
}

await main();
// A supervisor thread's message port stays ref'd once its second thread has started (a jail flooded it),
// so the process would not end by itself (a bug of the supervisor, not fixed yet): end it here.
process.exit(0);
