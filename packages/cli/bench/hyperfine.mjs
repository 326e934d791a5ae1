// hyperfine (https://github.com/sharkdp/hyperfine), for whole-process timings side by side in one run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Installs hyperfine with apt-get when it is missing (the bench runs as root); throws if it cannot. */
export function ensureHyperfine() {
  if (spawnSync('hyperfine', ['--version']).status === 0) return;
  console.error('hyperfine is missing: apt-get install -y hyperfine');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'hyperfine'], { stdio: 'inherit' });
  if (spawnSync('hyperfine', ['--version']).status !== 0) throw new Error('hyperfine could not be installed');
}

/**
 * Runs the commands (name → argv) in one hyperfine run (-N: no shell), `cpus` given: each pinned with
 * taskset to that CPU list; `ignoreFailure`: a non-zero exit status is expected (-i); `env`: the environment of
 * hyperfine and so of every command (default: this process's). Returns name → {median, min, times} in ms.
 */
export function hyperfine(
  commands,
  { runs = 30, warmup = 3, cpus, ignoreFailure = false, env = process.env } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'sysjail-hyperfine-'));
  try {
    const json = join(dir, 'out.json');
    const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
    const line = (argv) => (cpus ? ['taskset', '-c', cpus, ...argv] : argv).map(quote).join(' ');
    const names = Object.keys(commands);
    const args = ['-N', '-w', String(warmup), '-r', String(runs), '--export-json', json, '--style', 'none'];
    if (ignoreFailure) args.push('-i');
    for (const name of names) args.push('-n', name, line(commands[name]));
    execFileSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    const results = JSON.parse(readFileSync(json, 'utf8')).results;
    return Object.fromEntries(
      names.map((name, i) => {
        const times = results[i].times.map((t) => t * 1000);
        return [name, { median: results[i].median * 1000, min: Math.min(...times), times }];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
