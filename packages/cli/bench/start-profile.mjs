// Start-path profile: a copy of core's startJail flow (packages/core/src/jail/start-jail.ts, without the
// registry and the jexec server) built from the exported building blocks, with a performance.now() mark
// after each step. Marks are in ms since this process started (performance.timeOrigin), so the first one
// is Node's own start-up. (core's own SYSJAIL_TRACE=1 prints startJail's phases of the real command.)
//
//   node start-profile.mjs ROOT [runs] [--early] [--in-thread] [--copy-memory]
//
// Prints one JSON line per run ({ run, marks: [[step, ms]...], online }) then {"end": ms}. Run 0 is the
// cold start of a fresh process (what the `jail` command pays); later runs are prewarmed (what a library
// user pays). Variants:
//   --early        prewarm (the supervisor) right after importing core, before the other modules (the jail
//                  command does so)
//   --in-thread    the supervisor is this thread's event loop (supervision 'thread', as the jail command),
//                  not a worker thread
//   --copy-memory  the launcher's child is fork-style (copies this process's page tables) instead of
//                  vfork-style (CLONE_VM | CLONE_VFORK on its own stack)
import { performance } from 'node:perf_hooks';

const t = () => performance.now();
const bootMs = t();
const [root, runsArg = '1', ...flags] = process.argv.slice(2);
if (!root) throw new Error('usage: start-profile.mjs ROOT [runs] [--early] [--in-thread] [--copy-memory]');
const runs = Number(runsArg);
const known = /^--(early|in-thread|copy-memory)$/;
for (const f of flags) if (!known.test(f)) throw new Error(`start-profile.mjs: unknown flag ${f}`);
const early = flags.includes('--early');
const copyMemory = flags.includes('--copy-memory');
const inThread = flags.includes('--in-thread');

const marks = [['node start-up', bootMs]];
const mark = (step) => marks.push([step, t()]);
const coreDist = (p) => new URL(`../../core/dist/${p}`, import.meta.url).href;
const online = [];
let supervisor;
/** jid → when the supervisor reported its init reaped. */
const reaped = new Map();

/** prewarm(): the supervisor (a worker thread boots in the background from here on). */
async function prewarm() {
  if (inThread) {
    const { InThreadSupervisor } = await import(coreDist('supervisor/in-thread-supervisor.js'));
    supervisor = new InThreadSupervisor();
  } else {
    const { WorkerSupervisor } = await import(coreDist('supervisor/supervisor.js'));
    supervisor = new WorkerSupervisor();
  }
  supervisor.on('message', (m) => {
    if (m.type === 'reaped') reaped.get(m.jid)?.(t());
  });
  const since = t();
  supervisor.ready?.then(() => online.push(['supervisor thread ready', t() - since]));
  mark(inThread ? 'prewarm (in-thread supervisor)' : 'prewarm (supervisor thread created)');
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
const { JAIL_NAMESPACES, jailSetupOps } = await import(coreDist('jail/setup-ops.js'));
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
/** The emulation's numbers by name, as startJail keeps them. */
let numbers;

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
  const exited = new Promise((resolve) => reaped.set(jid, resolve));
  const counters = new SharedArrayBuffer(4 * COUNTER_SLOTS);
  const byCall = [...f.compiled.notifyByCall].map(([arch, m]) => [
    arch,
    [...m].map(([nr, es]) => [nr, es.map((e) => e.index)]),
  ]);
  numbers ??= linux.tables.map((tb) => [
    tb.arch.auditArch,
    Object.fromEntries(tb.entries.map((e) => [e.name, e.nr])),
  ]);
  supervisor.ref();
  // The spec startJail's 'supervisor prepare' stage sends (no listeners), before the launch: the
  // supervisor thread takes it while this thread loads the programs and launches.
  const prepared = supervisor.prepare({
    jid,
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
  mark('supervisor prepare (sent)');
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
  const cgroupFd = sb.open(cgroup.path, sb.O_PATH | sb.O_DIRECTORY | sb.O_CLOEXEC);
  const child = sb.launch({
    namespaces: JAIL_NAMESPACES,
    cgroupFd,
    deathSignal: sb.SIGKILL,
    setup: ops,
    command: { fd: memfd },
    argv0: 'sysjail-init',
    args: ['--', '/bin/sj-stamp'],
    env,
    stdio: [devNull, stampWrite, 2, controlChild],
    copyMemory,
  });
  sb.close(cgroupFd);
  sb.close(controlChild);
  mark('launch (clone3 into the cgroup; namespaces, mounts, /proc, pivot_root, caps, filter; exec init)');
  // startJail's 'supervisor add' and 'go': attach, released and go sent at once, then the answers.
  const attached = supervisor.attach(jid, {
    listenerFd: child.listenerFd,
    initPid: child.pid,
    initPidfd: child.pidfd,
    controlFd: control,
  });
  const released = supervisor.send({ type: 'released', jid }); // it reaps the init
  const went = supervisor.send({ type: 'go', jid });
  mark('supervisor add + go (sent)');
  const sent = t();
  await prepared;
  await attached;
  await released;
  await went;
  // A duration, not a mark: the command may run before the answers arrive.
  marks.push(['  meanwhile, until the supervisor answered (prepare, add, go)', t() - sent]);
  const started = t();
  const buf = Buffer.alloc(64);
  if (!sb.poll([{ fd: stampRead, events: sb.POLLIN }], 5000)[0]) throw new Error('no stamp from the command');
  const n = sb.read(stampRead, buf);
  const stampMs = Number(BigInt(buf.subarray(0, n).toString().trim())) / 1e6;
  marks.push(['command running (its CLOCK_MONOTONIC stamp)', stampMs - hrtimeOffsetMs]);
  marks.push(['init exited (the supervisor reaped it)', await exited]);
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
    await new Promise((r) => setTimeout(r, 200));
    marks.length = 0;
    mark('(prewarmed) begin');
  }
  await startAndWait(run + 1);
  console.log(JSON.stringify({ run, marks, online }));
}
if (runs > 1) {
  // The launcher alone: launch() of /bin/true with no setup ops until it has exec'd, each kind of child.
  const launchMs = { vfork: [], fork: [] };
  for (let i = 0; i < 5; i++) {
    for (const kind of ['vfork', 'fork']) {
      await new Promise((r) => setTimeout(r, 50));
      const a = t();
      const c = sb.launch({
        namespaces: 0,
        setup: [],
        command: '/bin/true',
        env,
        stdio: [devNull, devNull, 2],
        copyMemory: kind === 'fork',
      });
      launchMs[kind].push(t() - a);
      sb.waitid(sb.P_PIDFD, c.pidfd, sb.WEXITED);
      sb.close(c.pidfd);
    }
  }
  console.log(JSON.stringify({ launchMs }));
}
sb.close(devNull);
sb.close(stampRead);
sb.close(stampWrite);
process.on('exit', () => console.log(JSON.stringify({ end: t() })));
