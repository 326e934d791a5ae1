// Per-call network costs of a jail against the floor every seccomp jail pays (chroot plus a one-instruction
// allow filter, which the kernel's seccomp action cache answers), every process pinned to one CPU, side by
// side in one run, interleaved, medians. Loops (native/net-loop.c, ns per iteration from the program's own
// CPU clock): socket+close (TCP and UDP) and a TCP connect/echo/close loop on the jail address. Breakdown:
// the floor in a cgroup carrying the jail's programs kind by kind (cumulative; between the address programs
// and all of them, a one-instruction "return 1" ingress program: what running any ingress program costs),
// the jail's own seccomp filter without programs (and how many of its instructions socket(2) runs), then
// the real jail. Part of `pnpm bench` (packages/cli). Writes <repo>/bench/results/net.md.
// Knobs: BENCH_ROUNDS (default 7), BENCH_SOCKET_N (200000), BENCH_TCP_N (20000), BENCH_CPU (1),
// BENCH_MODES (a comma list of loops, default all).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBenchRoot } from './jail-root.mjs';
import { machineInfo } from './machine.mjs';
import { median } from './median.mjs';
import { JAIL_ADDRESS, runInJail } from './runs.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CPU = process.env.BENCH_CPU ?? '1';
const N = {
  socket: Number(process.env.BENCH_SOCKET_N ?? 200000),
  udp: Number(process.env.BENCH_SOCKET_N ?? 200000),
  tcp: Number(process.env.BENCH_TCP_N ?? 20000),
};
const MODES = {
  socket: 'socket(AF_INET, SOCK_STREAM) + close',
  udp: 'socket(AF_INET, SOCK_DGRAM) + close',
  tcp: 'TCP connect, 1-byte echo, close (listener in the same process)',
};
const modes = (process.env.BENCH_MODES ?? Object.keys(MODES).join(',')).split(',');
const resultsFile = fileURLToPath(new URL('../../../bench/results/net.md', import.meta.url));

const core = await import('@sysjail/core');
const internals = await import('@sysjail/core/internals');
const bindings = await import('@sysjail/systrace-bindings');
const { linux } = await import('@sysjail/emul-linux');

const prison = (root) => ({
  path: root,
  hostname: 'bench.example',
  ipv4: [JAIL_ADDRESS],
  ipv6: [],
  flags: core.defaultPrisonFlags,
});

/** An ingress program that passes every packet: the cost of running an ingress program at all. */
const passAll = {
  name: 'pass_all',
  progType: bindings.ebpf.BPF_PROG_TYPE_CGROUP_SKB,
  attachType: bindings.ebpf.BPF_CGROUP_INET_INGRESS,
  insns: [bindings.ebpf.mov64Imm(bindings.ebpf.BPF_REG_0, 1), bindings.ebpf.exit()],
};

/** A bench cgroup with the jail's programs whose names pass `keep` attached, and `extra`. */
function benchCgroup(name, root, keep, extra = []) {
  const cg = internals.JailCgroup.create(`bench-net-${process.pid}-${name}`);
  const programs = [...internals.addressPrograms(prison(root)).filter((p) => keep(p.name)), ...extra];
  const cgFd = openSync(cg.path, 'r');
  try {
    for (const p of programs) {
      const fd = bindings.bpfProgLoad({
        progType: p.progType,
        expectedAttachType: p.attachType,
        insns: p.insns,
        name: p.name,
      });
      try {
        bindings.bpfProgAttach(cgFd, fd, p.attachType);
      } finally {
        bindings.closeProgFd(fd);
      }
    }
  } finally {
    closeSync(cgFd);
  }
  return { cg, programs: programs.map((p) => p.name) };
}

const { root, dir, remove } = makeBenchRoot();
const cgroups = [];
const samples = {};
try {
  const jailFilter = join(dir, 'jail.bpf');
  const compiled = core.compileFilter(linux, linux.policy(prison(root)), { auditDenials: true });
  writeFileSync(jailFilter, internals.encodeFilter(compiled.ops));
  const program = internals.assembleFilter(compiled.ops);
  const interpreter = new bindings.FilterInterpreter(program);
  const x86 = linux.tables.find((t) => t.arch.name === 'x86_64');
  const socketNr = x86.entries.find((e) => e.name === 'socket').nr;
  const socketRuns = (type) =>
    interpreter.instructionsRun({
      nr: socketNr,
      arch: x86.arch.auditArch,
      instructionPointer: 0n,
      args: [2n, BigInt(type), 0n, 0n, 0n, 0n],
    });
  const filterNote = `The jail's seccomp filter has ${program.length} cBPF instructions; socket(AF_INET, SOCK_STREAM, 0) runs ${socketRuns(1)} of them, socket(AF_INET, SOCK_DGRAM, 0) ${socketRuns(2)} (x86_64). Every other call of these loops is allowed without an argument test, so the kernel's action cache answers it without running the filter.`;
  // chroot gets no filter file from outside its root: copy it in.
  execFileSync('cp', [jailFilter, join(root, 'jail.bpf')]);
  const inCgroup = (cg, filter) => (mode) =>
    Number(
      execFileSync(
        'sh',
        [
          '-c',
          `echo $$ > '${cg.path}/cgroup.procs' && exec taskset -c ${CPU} chroot "$@"`,
          'sh',
          root,
          '/bin/sj-net',
          mode,
          String(N[mode]),
          JAIL_ADDRESS,
          CPU,
          filter,
        ],
        { encoding: 'utf8' },
      ),
    );
  const variants = {};
  const add = (key, label, keep, filter = 'allow', extra = []) => {
    const made = benchCgroup(key, root, keep, extra);
    cgroups.push(made.cg);
    variants[key] = {
      label: `${label}${made.programs.length ? ` (${made.programs.join(', ')})` : ''}`,
      run: inCgroup(made.cg, filter),
    };
  };
  // Cumulative: each row adds one kind of program to the one above (ingress alone would drop the replies
  // to a client whose source no connect program set). No program runs at socket creation (the filter
  // decides which inet sockets may be made).
  add('floor', 'floor: chroot + allow filter, a cgroup without programs', () => false);
  add('addr', 'floor + bind/connect/sendmsg programs', (n) => n !== 'sj_ingress');
  add(
    'anyIngress',
    'floor + bind/connect/sendmsg + a one-instruction ingress program (return 1)',
    (n) => n !== 'sj_ingress',
    'allow',
    [passAll],
  );
  add('programs', "floor + all of the jail's programs (+ ingress)", () => true);
  add('filter', "chroot + the jail's seccomp filter, no programs", () => false, '/jail.bpf');
  variants.jail = {
    label: 'the jail (startJail: its filter, its programs, namespaces)',
    run: async (mode) =>
      Number(
        (await runInJail(core, linux, root, dir, ['/bin/sj-net', mode, String(N[mode]), JAIL_ADDRESS, CPU]))
          .out,
      ),
  };
  core.prewarm();
  const names = Object.keys(variants);
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) {
      for (let i = 0; i < names.length; i++) {
        const v = names[(i + round) % names.length];
        const key = `${mode}|${v}`;
        if (!samples[key]) samples[key] = [];
        samples[key].push(await variants[v].run(mode));
      }
    }
    console.error(`round ${round + 1} of ${ROUNDS}`);
  }
  const info = machineInfo();
  const f1 = (x) => x.toFixed(1);
  const lines = [
    '# Per-call network cost: jail vs the seccomp floor',
    '',
    `Generated by \`packages/cli/bench/net-bench.mjs\` on ${info.date}: ${info.cpuModel} x${info.cpus}, Linux ${info.kernel}, Node ${info.node}, load ${info.loadavg}. Every loop pinned to CPU ${CPU}; ${ROUNDS} rounds, the variants interleaved (order rotated every round), medians of CPU ns per iteration from the program's own CPU clock (CLOCK_PROCESS_CPUTIME_ID around the loop: process start and the time other processes hold the CPU are excluded). The machine is shared: compare the columns of one run, not runs.`,
    '',
    `The floor is chroot plus a one-instruction SECCOMP_RET_ALLOW filter (answered by the kernel's action cache) in a cgroup of its own without programs. Goal (issue 12): the jail within 1.03x of the floor. Each cell: the median, its ratio to the floor's median (bold), then the median of the per-round ratios (each run against the floor's run of the same round) with their middle half (25th-75th percentile). Loops: ${modes
      .map((m) => [m, MODES[m]])
      .map(([m, what]) => `\`${m}\` ${what}, ${N[m]} iterations`)
      .join('; ')}.`,
    '',
    filterNote,
    '',
    `| variant | ${modes.join(' | ')} |`,
    `|---|${modes.map(() => '---|').join('')}`,
    ...names.map((v) => {
      const cells = modes.map((mode) => {
        const x = median(samples[`${mode}|${v}`]);
        const floor = median(samples[`${mode}|floor`]);
        if (v === 'floor') return `${f1(x)} ns`;
        // Each round's ratio to that round's floor (load drifts between rounds cancel): median and middle half.
        const ratios = samples[`${mode}|${v}`]
          .map((y, r) => y / samples[`${mode}|floor`][r])
          .sort((a, b) => a - b);
        const q = (f) => ratios[Math.min(ratios.length - 1, Math.floor(f * ratios.length))].toFixed(3);
        return `${f1(x)} ns, **${(x / floor).toFixed(3)}x**; by round ${median(ratios).toFixed(3)}x (${q(0.25)}-${q(0.75)})`;
      });
      return `| ${variants[v].label} | ${cells.join(' | ')} |`;
    }),
    '',
    'Samples (CPU ns per iteration, in run order):',
    '',
    ...Object.entries(samples).map(([k, v]) => `- ${k}: ${v.map(f1).join(' ')}`),
    '',
  ];
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, lines.join('\n'));
  process.stdout.write(lines.join('\n'));
} finally {
  for (const cg of cgroups) await cg.destroy().catch(() => {});
  remove();
}
