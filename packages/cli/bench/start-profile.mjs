// Start-path profile: a copy of core's startJail flow (packages/core/src/jail/start-jail.ts, without the
// registry and the jexec server) built from the exported building blocks, with a performance.now() mark
// after each step. Marks are in ms since this process started (performance.timeOrigin), so the first one
// is Node's own start-up. (core's own SYSJAIL_TRACE=1 prints startJail's phases of the real command.)
//
//   node start-profile.mjs ROOT [runs] [--early] [--pool-size=N] [--no-refill] [--late-refill]
//
// Prints one JSON line per run ({ run, marks: [[step, ms]...], online }) then {"end": ms}. Run 0 is the
// cold start of a fresh process (what the `jail` command pays); later runs use the prewarmed pool (what
// a library user pays). Variants:
//   --early        prewarm (pool + supervisor thread) right after importing core, before the other modules
//                  (the jail command does so since 06f1aac)
//   --pool-size=N  idle workers kept by the pool (startJail's prewarm() uses 2, the jail command 1)
//   --no-refill    the pool does not replace a worker it hands out (the jail command)
//   --late-refill  the pool boots the replacement worker after the command runs, not during the start
import { performance } from 'node:perf_hooks';

const t = () => performance.now();
const bootMs = t();
const [root, runsArg = '1', ...flags] = process.argv.slice(2);
if (!root)
  throw new Error(
    'usage: start-profile.mjs ROOT [runs] [--early] [--pool-size=N] [--no-refill] [--late-refill]',
  );
const runs = Number(runsArg);
const known = /^--(early|no-refill|late-refill|pool-size=[0-9]+)$/;
for (const f of flags) if (!known.test(f)) throw new Error(`start-profile.mjs: unknown flag ${f}`);
const early = flags.includes('--early');
const poolSize = Number(flags.find((f) => f.startsWith('--pool-size='))?.split('=')[1] ?? 2);
const lateRefill = flags.includes('--late-refill');
const refill = !flags.includes('--no-refill') && !lateRefill;

const marks = [['node start-up', bootMs]];
const mark = (step) => marks.push([step, t()]);
const coreDist = (p) => new URL(`../../core/dist/${p}`, import.meta.url).href;
const online = [];
let pool;
let supervisor;

/** prewarm(): the pool's workers and the supervisor thread boot in the background from here on. */
async function prewarm() {
  const { Supervisor } = await import(coreDist('supervisor/supervisor.js'));
  pool = new sb.SpawnerPool({ size: poolSize, refill });
  supervisor = new Supervisor();
  supervisor.on('message', () => {});
  const since = t();
  pool.ready.then(() => pool.idle[0]?.then(() => online.push(['first spawner worker online', t() - since])));
  supervisor.ready.then(() => online.push(['supervisor thread ready', t() - since]));
  mark('prewarm (pool + supervisor thread created)');
}

const sb = await import('@sysjail/systrace-bindings');
mark('import systrace-bindings (koffi)');
const core = await import('@sysjail/core');
const internals = await import('@sysjail/core/internals');
mark('import core');
if (early) await prewarm();
const { linux } = await import('@sysjail/emul-linux');
mark('import emul-linux');
await import('../dist/commands/jail.js');
mark('import cli (commands/jail)');
const { initMemfd } = await import(coreDist('jail/init-binary.js'));
const { jailSetupOps } = await import(coreDist('jail/setup-ops.js'));
const { COUNTER_SLOTS } = await import(coreDist('supervisor/protocol.js'));
mark('import core internals (profile only)');
if (!early) await prewarm();

const prison = {
  path: root,
  hostname: 'bench.example',
  ipv4: ['127.0.0.5'],
  ipv6: [],
  flags: core.defaultPrisonFlags,
};
const env = { PATH: '/bin:/sbin:/usr/bin:/usr/sbin' };

const devNull = sb.open('/dev/null', sb.O_RDWR | sb.O_CLOEXEC);
const [stampRead, stampWrite] = sb.pipe2(sb.O_CLOEXEC);
const filters = new Map();

async function startAndWait(jid) {
  const start = t();
  let f = filters.get('linux');
  if (!f) {
    const compiled = core.compileFilter(linux, linux.policy(prison), { auditDenials: true });
    mark('compileFilter');
    f = { compiled, program: internals.encodeFilter(compiled.ops) };
    filters.set('linux', f);
    mark('encodeFilter');
  }
  const cgroup = internals.JailCgroup.create(`bench-${process.pid}-${jid}`);
  mark('cgroup mkdir');
  const programs = internals.addressPrograms(prison);
  mark('generate 8 eBPF programs');
  const cgFd = sb.open(cgroup.path, sb.O_RDONLY | sb.O_CLOEXEC);
  let loadMs = 0;
  let attachMs = 0;
  for (const p of programs) {
    const a = t();
    const progFd = sb.bpfProgLoad({
      progType: p.progType,
      expectedAttachType: p.attachType,
      insns: p.insns,
      name: p.name,
    });
    const b = t();
    sb.bpfProgAttach(cgFd, progFd, p.attachType);
    sb.closeProgFd(progFd);
    attachMs += t() - b;
    loadMs += b - a;
  }
  sb.close(cgFd);
  marks.push([`  of which BPF_PROG_LOAD x8`, loadMs], [`  of which BPF_PROG_ATTACH x8`, attachMs]);
  mark('load + attach 8 eBPF programs');
  const [control, controlChild] = sb.socketpair(sb.AF_UNIX, sb.SOCK_SEQPACKET | sb.SOCK_CLOEXEC);
  const memfd = initMemfd();
  const ops = jailSetupOps(prison, f.program);
  mark('socketpair, init memfd, setup ops');
  const child = await pool.spawn({
    setup: ops,
    command: `/proc/self/fd/${memfd}`,
    argv0: 'sysjail-init',
    args: ['--', '/bin/sj-stamp'],
    env,
    stdio: [devNull, stampWrite, 2, controlChild],
  });
  sb.close(controlChild);
  mark('pool.spawn (worker: namespaces, mounts, pivot_root, caps, filter; spawn init)');
  let reported; // when the worker says its child exited (before the thread itself ends)
  [...pool.busy].at(-1)?.on('message', (m) => {
    if (m.type === 'exited') reported = t();
  });
  const initPidfd = sb.pidfdOpen(child.pid);
  // As startJail: the supervisor thread mounts the jail's /proc while this thread migrates the init.
  const procMounted = supervisor.request((request) => ({ type: 'mountProc', request, initPid: child.pid }));
  const joinStart = t();
  cgroup.addProcess(child.pid);
  const joined = t();
  await procMounted;
  marks.push(['  of which cgroup.procs write (init into its cgroup)', joined - joinStart]);
  mark('mount the jail /proc (supervisor thread) during the cgroup migration');
  const counters = new SharedArrayBuffer(4 * COUNTER_SLOTS);
  const byCall = [...f.compiled.notifyByCall].map(([arch, m]) => [
    arch,
    [...m].map(([nr, es]) => [nr, es.map((e) => e.index)]),
  ]);
  const numbers = linux.tables.map((tb) => [
    tb.arch.auditArch,
    Object.fromEntries(tb.entries.map((e) => [e.name, e.nr])),
  ]);
  // The spec startJail's 'supervisor add' stage sends (no listeners).
  await supervisor.add({
    jid,
    listenerFd: child.listenerFd,
    initPid: child.pid,
    initPidfd,
    controlFd: control,
    prison,
    ...(linux.handlers ? { handlers: linux.handlers } : {}),
    program: f.program,
    notifyTable: f.compiled.notifyTable,
    notifyByCall: byCall,
    numbers,
    abis: linux.tables.map((tb) => [tb.arch.auditArch, { name: tb.arch.name, bits: tb.arch.bits }]),
    errno: linux.errno,
    cgroupProcs: `${cgroup.path}/cgroup.procs`,
    counters,
    decision: { program: f.program, notifyTable: f.compiled.notifyTable },
    listeners: [],
    argKinds: [],
  });
  supervisor.ref();
  await supervisor.send({ type: 'go', jid });
  mark('supervisor add + go');
  const started = t();
  const buf = Buffer.alloc(64);
  if (!sb.poll([{ fd: stampRead, events: sb.POLLIN }], 5000)[0]) throw new Error('no stamp from the command');
  const n = sb.read(stampRead, buf);
  const stampMs = Number(BigInt(buf.subarray(0, n).toString().trim())) / 1e6;
  marks.push(['command running (its CLOCK_MONOTONIC stamp)', stampMs - hrtimeOffsetMs]);
  if (lateRefill) pool.refill();
  await child.exited;
  if (reported !== undefined) marks.push(['init exited (worker reports it)', reported]);
  mark('init exited (worker thread gone)');
  try {
    cgroup.kill();
  } catch {}
  await supervisor.request((request) => ({ type: 'remove', jid, request }));
  supervisor.unref();
  await cgroup.destroy();
  mark('teardown (cgroup.kill, supervisor remove, rmdir cgroup)');
  return { startMs: started - start };
}

// CLOCK_MONOTONIC (the stamp) to performance.now(): process.hrtime is CLOCK_MONOTONIC on Linux.
const hrtimeOffsetMs = Number(process.hrtime.bigint()) / 1e6 - t();

for (let run = 0; run < runs; run++) {
  if (run > 0) {
    await new Promise((r) => setTimeout(r, 200)); // let the pool refill: a prewarmed start
    marks.length = 0;
    mark('(prewarmed) begin');
  }
  await startAndWait(run + 1);
  console.log(JSON.stringify({ run, marks, online }));
}
if (runs > 1) {
  // The launcher alone, prewarmed: a worker hand-off and libuv spawn of /bin/true with no setup ops.
  const handoff = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const a = t();
    const child = await pool.spawn({ setup: [], command: '/bin/true', env, stdio: [devNull, devNull, 2] });
    handoff.push(t() - a);
    await child.exited;
  }
  console.log(JSON.stringify({ handoff }));
}
sb.close(devNull);
sb.close(stampRead);
sb.close(stampWrite);
process.on('exit', () => console.log(JSON.stringify({ end: t() })));
