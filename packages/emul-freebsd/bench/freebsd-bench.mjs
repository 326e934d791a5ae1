// FreeBSD programs translated vs native: esbuild bundling one project with its FreeBSD build under
// sysjail-freebsd and with its Linux build (same version), and the cost of one translated getpid.
// Writes bench/results/freebsd.md at the repository root. Run by `pnpm bench` (package script).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');
const { freebsdLoaderPath, freebsdVictimPath } = await import(join(pkg, 'dist', 'index.js'));
const { ESBUILD_VERSION, freebsdEsbuild, linuxEsbuild } = await import(join(pkg, 'dist', 'npm-programs.js'));

const ROUNDS = 9;
const MODULES = 1000;
const DIRS = 25;
const GETPID_CALLS = 1_000_000;

const work = mkdtempSync(join(tmpdir(), 'sysjail-freebsd-bench-'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// The project: MODULES TypeScript modules in DIRS directories, each importing two earlier ones.
const proj = join(work, 'proj');
for (let i = 0; i < MODULES; i++) {
  const dir = join(proj, 'src', `d${i % DIRS}`);
  mkdirSync(dir, { recursive: true });
  const deps = i < 2 ? [] : [(i * 7) % i, (i * 13) % i];
  const imports = deps.map((d) => `import { f${d} } from '../d${d % DIRS}/m${d}';`).join('\n');
  const body = deps.length ? deps.map((d) => `f${d}(n - 1)`).join(' + ') : 'n';
  writeFileSync(
    join(dir, `m${i}.ts`),
    `${imports}\nexport interface T${i} { readonly v: number }\nexport function f${i}(n: number): number {\n  return n <= 0 ? ${i} : ${body};\n}\n`,
  );
}
// Every module is used (TypeScript imports that are not are dropped before they are resolved).
writeFileSync(
  join(proj, 'src', 'main.ts'),
  `${Array.from({ length: MODULES }, (_, i) => `import { f${i} } from './d${i % DIRS}/m${i}';`).join('\n')}\nconsole.log([${Array.from({ length: MODULES }, (_, i) => `f${i}`).join(', ')}].map((f) => f(1)).length);\n`,
);

const bsd = freebsdEsbuild();
const linux = linuxEsbuild();
const bundle = (argv) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    argv[0],
    [...argv.slice(1), '--bundle', 'src/main.ts', '--outfile=out.js', '--log-level=warning'],
    {
      cwd: proj,
      encoding: 'utf8',
    },
  );
  const t = ms(t0);
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return t;
};
const translated = [];
const native = [];
bundle([linux]); // warm the page cache
bundle([freebsdLoaderPath, bsd, 'esbuild']);
const load0 = loadavg();
for (let i = 0; i < ROUNDS; i++) {
  native.push(bundle([linux]));
  translated.push(bundle([freebsdLoaderPath, bsd, 'esbuild']));
}
// The FreeBSD calls of one bundle, as the loader counts them (SYSJAIL_FREEBSD_TRACE=all).
const traced = spawnSync(
  freebsdLoaderPath,
  [bsd, 'esbuild', '--bundle', 'src/main.ts', '--outfile=out.js', '--log-level=warning'],
  {
    cwd: proj,
    encoding: 'utf8',
    env: { ...process.env, SYSJAIL_FREEBSD_TRACE: 'all' },
  },
);
const calls = Object.fromEntries(
  (/calls (.*)$/m.exec(traced.stderr)?.[1] ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => {
      const [k, v] = kv.split('=');
      return [k, Number(v)];
    }),
);
const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
const topCalls = Object.entries(calls)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 8)
  .map(([k, v]) => `${k} ${v}`)
  .join(', ');

// getpid: N calls in the FreeBSD victim (translated) and in a Linux program (native), each timed by the
// program itself on its thread's CPU clock (less sensitive to the other users of the machine).
const nativeLoop = join(work, 'getpid-loop');
writeFileSync(
  `${nativeLoop}.c`,
  '#include <stdio.h>\n#include <stdlib.h>\n#include <sys/syscall.h>\n#include <time.h>\n#include <unistd.h>\n' +
    'int main(int c, char **v) { (void)c; long n = atol(v[2]); struct timespec a, b;\n' +
    'clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a); for (long i = 0; i < n; i++) syscall(SYS_getpid);\n' +
    'clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b); printf("%ld\\n", (b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec); return 0; }\n',
);
execFileSync('cc', ['-O2', '-static', '-o', nativeLoop, `${nativeLoop}.c`]);
const perCall = (argv) => {
  const xs = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = spawnSync(argv[0], [...argv.slice(1), String(GETPID_CALLS)], { encoding: 'utf8' });
    const ns = Number(/([0-9]+)\s*$/.exec(r.stdout)?.[1]);
    if (r.status !== 0 || !ns) throw new Error(`${argv.join(' ')}: ${r.stdout}${r.stderr}`);
    xs.push(ns / GETPID_CALLS);
  }
  return median(xs);
};
const getpidTranslated = perCall([freebsdLoaderPath, freebsdVictimPath, 'victim', 'getpid-loop']);
const getpidNative = perCall([nativeLoop, 'getpid-loop']);
if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
else console.error(`kept ${work}`);

const t = median(translated);
const n = median(native);
const ratio = t / n;
const md = `# FreeBSD programs: translated (sysjail-freebsd) vs native

Written by \`pnpm bench\` in packages/emul-freebsd (bench/freebsd-bench.mjs). Do not edit by hand.

- date: ${new Date().toISOString()}
- kernel: ${release()}
- node: ${process.version}
- CPUs: ${cpus().length}, load average at start: ${load0.map((x) => x.toFixed(2)).join(' ')}
- rounds: ${ROUNDS}, interleaved, medians; outside a jail (the translation alone)
- 2 CPU cores shared with other people working on this machine at the same time: numbers are noisy

## Against the goals

| measurement | translated | native | ratio | goal | |
|---|---|---|---|---|---|
| esbuild ${ESBUILD_VERSION} --bundle, ${MODULES} modules in ${DIRS} directories, ms | ${t.toFixed(1)} (FreeBSD build) | ${n.toFixed(1)} (Linux build) | ${ratio.toFixed(2)}x | 1.5x | ${ratio <= 1.5 ? 'met' : 'not met'} |
| getpid, ns per call | ${getpidTranslated.toFixed(0)} (FreeBSD victim) | ${getpidNative.toFixed(0)} (Linux loop) | ${(getpidTranslated / getpidNative).toFixed(1)}x | | |

## Details

- esbuild runs: translated ${translated.map((x) => x.toFixed(0)).join(', ')} ms; native ${native.map((x) => x.toFixed(0)).join(', ')} ms.
- The FreeBSD build makes ${totalCalls} system calls for this bundle (${topCalls}, ...); each costs one
  SIGSYS (Syscall User Dispatch) into the in-process translator, which performs the Linux calls itself.
- getpid: ${GETPID_CALLS} calls, timed by each program on CLOCK_THREAD_CPUTIME_ID around its loop.
  The translated call is a trap (SIGSYS frame on the alternate stack), the dispatch through the generated
  table, the Linux getpid, and rt_sigreturn.
`;
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(join(repo, 'bench', 'results', 'freebsd.md'), md);
process.stdout.write(md);
