// Notified calls (sj-notify) with the jail supervised in this thread's event loop vs a supervisor worker,
// quiet and while the stdout relay (which runs in this thread's loop too) is kept busy by the jail.
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeBenchRoot } from './jail-root.mjs';
import { median } from './median.mjs';
import { JAIL_ADDRESS, runInJail } from './runs.mjs';

const N = Number(process.env.NOTIFY_N ?? 10000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);

export async function notifyModes(core, linux, root, dir, rounds = ROUNDS, n = N) {
  const size = statSync(join(root, 'bin', 'busybox')).size;
  const quiet = async (supervision) => {
    const r = await runInJail(core, linux, root, dir, ['/bin/sj-notify', String(n), JAIL_ADDRESS], {
      supervision,
    });
    return r.out.split(' ').map((ns) => Number(ns) / n / 1000);
  };
  // The jail floods its stdout (to /dev/null through the relay) while sj-notify runs.
  const busy = async (supervision) => {
    for (const f of ['n.out', 'flood.out']) rmSync(join(root, 'tmp', f), { force: true });
    const script = `/bin/sj-notify ${n} ${JAIL_ADDRESS} > /tmp/n.out & p=$!; i=0; while kill -0 $p 2>/dev/null; do cat /bin/busybox; i=$((i+1)); done; wait $p; echo $i > /tmp/flood.out`;
    const devNull = openSync('/dev/null', 'w');
    const stdin = openSync('/dev/null', 'r');
    const t0 = performance.now();
    try {
      const jail = await core.startJail({
        prison: {
          path: root,
          hostname: 'bench.example',
          ipv4: [JAIL_ADDRESS],
          ipv6: [],
          flags: core.defaultPrisonFlags,
        },
        command: ['/bin/sh', '-c', script],
        emulation: linux,
        env: { PATH: '/bin:/sbin:/usr/bin:/usr/sbin' },
        stdio: [stdin, devNull, 2],
        supervision,
      });
      const exit = await jail.exited;
      if (exit.code !== 0) throw new Error(`busy run: ${JSON.stringify(exit)}`);
    } finally {
      closeSync(devNull);
      closeSync(stdin);
    }
    const ms = performance.now() - t0;
    const [listen, setrlimit] = readFileSync(join(root, 'tmp', 'n.out'), 'utf8')
      .trim()
      .split(' ')
      .map((ns) => Number(ns) / n / 1000);
    const floodMB = (Number(readFileSync(join(root, 'tmp', 'flood.out'), 'utf8')) * size) / 1e6;
    return [listen, setrlimit, floodMB / (ms / 1000)];
  };
  const out = { quiet: { thread: [], worker: [] }, busy: { thread: [], worker: [] } };
  for (let i = 0; i < rounds; i++) {
    for (const mode of ['thread', 'worker']) {
      out.quiet[mode].push(await quiet(mode));
      out.busy[mode].push(await busy(mode));
    }
  }
  const col = (runs, k) => median(runs.map((r) => r[k]));
  return Object.fromEntries(
    ['quiet', 'busy'].map((kind) => [
      kind,
      Object.fromEntries(
        ['thread', 'worker'].map((mode) => {
          const runs = out[kind][mode];
          return [
            mode,
            {
              listen: col(runs, 0),
              setrlimit: col(runs, 1),
              ...(kind === 'busy' ? { floodMBs: col(runs, 2) } : {}),
              runs,
            },
          ];
        }),
      ),
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = makeBenchRoot();
  try {
    const core = await import('@sysjail/core');
    const { linux } = await import('@sysjail/emul-linux');
    core.prewarm();
    const r = await notifyModes(core, linux, env.root, env.dir);
    console.log(JSON.stringify(r, (k, v) => (k === 'runs' ? undefined : v), 1));
  } finally {
    env.remove();
  }
}
