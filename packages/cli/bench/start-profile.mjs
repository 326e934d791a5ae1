// Start-path profile of core's own startJail: the stages it publishes on the `sysjail:start` diagnostics
// channel (the ones SYSJAIL_TRACE=1 prints), marked as each one ends, with a few marks around the call.
// Marks are ms since this process started (performance.timeOrigin), so the first is Node's own start-up.
//
//   node start-profile.mjs ROOT [runs] [--library]
//
// ROOT needs the bench's /bin/sj-stamp (natives.mjs). Run 0 is the first start of a fresh process; later
// runs are prewarmed. The start is the jail command's (supervised in this thread, recorded in the
// registry, nothing prewarmed), or with --library a library caller's (prewarm() after the imports,
// supervisor worker thread, no registry). Prints one JSON line per run ({ run, marks: [[step, ms]...],
// running }), the launcher alone ({ launchMs }) when runs > 1, then { end }. An indented step is a
// duration, not a mark; `running` is when the command ran (its stamp), ms since the process started.
import { subscribe } from 'node:diagnostics_channel';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const t = () => performance.now();
const bootMs = t();
const [root, runsArg = '1', ...flags] = process.argv.slice(2);
const usage = 'usage: start-profile.mjs ROOT [runs] [--library]';
if (!root || !/^[0-9]+$/.test(runsArg)) throw new Error(usage);
for (const f of flags)
  if (f !== '--library') throw new Error(`start-profile.mjs: unknown flag ${f}\n${usage}`);
const library = flags.includes('--library');
const runs = Number(runsArg);

const marks = [['node start-up', bootMs]];
const mark = (step) => marks.push([step, t()]);

const core = await import('@sysjail/core');
mark('import @sysjail/core');
const { linux } = await import('@sysjail/emul-linux');
mark('import @sysjail/emul-linux');
if (library) {
  core.prewarm();
  mark('prewarm() (supervisor worker thread created)');
}

// Each stage of the start under way, marked when it ends.
let tracing;
subscribe(core.START_TRACE_CHANNEL, ({ start, stage }) => {
  tracing ??= start;
  if (start === tracing) mark(stage);
});

const scratch = mkdtempSync(join(tmpdir(), 'sysjail-start-profile-'));
const registry = library ? undefined : core.openRegistry();
// CLOCK_MONOTONIC (the stamp) to performance.now(): process.hrtime is CLOCK_MONOTONIC on Linux.
const hrtimeOffsetMs = Number(process.hrtime.bigint()) / 1e6 - t();

/** One start of /bin/sj-stamp, its stdout to a file: ms since the process started when it ran. */
async function startAndWait(run) {
  const outPath = join(scratch, `stamp-${run}`);
  const out = openSync(outPath, 'w');
  const devNull = openSync('/dev/null', 'r');
  tracing = undefined;
  let jail;
  try {
    jail = await core.startJail({
      prison: {
        path: root,
        hostname: 'bench.example',
        ipv4: ['127.0.0.5'],
        ipv6: [],
        flags: core.defaultPrisonFlags,
      },
      command: ['/bin/sj-stamp'],
      emulation: linux,
      env: { PATH: '/bin:/sbin:/usr/bin:/usr/sbin' },
      stdio: [devNull, out, 2],
      ...(library ? {} : { registry, supervision: 'thread' }),
    });
  } finally {
    closeSync(out);
    closeSync(devNull);
  }
  mark('startJail resolved');
  const exit = await jail.exited;
  mark('exited resolved (init reaped, every stage undone)');
  if (exit.code !== 0) throw new Error(`sj-stamp: ${JSON.stringify(exit)}`);
  const running = Number(BigInt(readFileSync(outPath, 'utf8').trim())) / 1e6 - hrtimeOffsetMs;
  // A duration: the command may run before the go stage's end (it then waits for the supervisor's answers).
  const goSent = marks.find(([step]) => step === 'supervisor add')[1];
  marks.splice(marks.length - 1, 0, [
    '  command running (its CLOCK_MONOTONIC stamp), after the go was sent',
    running - goSent,
  ]);
  return running;
}

try {
  for (let run = 0; run < runs; run++) {
    if (run > 0) {
      await new Promise((r) => setTimeout(r, 200));
      marks.length = 0;
      mark('(prewarmed) begin');
    }
    const running = await startAndWait(run);
    console.log(JSON.stringify({ run, marks, running }));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (runs > 1) {
  // The launcher alone: launch() of /bin/true with no setup ops until it has exec'd, each kind of child
  // (the jail's is vfork-style; fork-style copies this process's page tables).
  const sb = await import('@sysjail/systrace-bindings');
  const devNull = sb.open('/dev/null', sb.O_RDWR | sb.O_CLOEXEC);
  const launchMs = { vfork: [], fork: [] };
  for (let i = 0; i < 5; i++) {
    for (const kind of ['vfork', 'fork']) {
      await new Promise((r) => setTimeout(r, 50));
      const a = t();
      const c = sb.launch({
        namespaces: 0,
        setup: [],
        command: '/bin/true',
        env: {},
        stdio: [devNull, devNull, 2],
        copyMemory: kind === 'fork',
      });
      launchMs[kind].push(t() - a);
      sb.waitid(sb.P_PIDFD, c.pidfd, sb.WEXITED);
      sb.close(c.pidfd);
    }
  }
  sb.close(devNull);
  console.log(JSON.stringify({ launchMs }));
}
process.on('exit', () => console.log(JSON.stringify({ end: t() })));
