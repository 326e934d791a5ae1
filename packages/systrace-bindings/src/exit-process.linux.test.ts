// exitProcess: once koffi is loaded, the process ends by _exit(2) after every 'exit' listener, so the C
// library's exit handlers do not run; koffi's among them fsync(2) fds 1 and 2 (seen here with strace).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const index = new URL('../dist/index.js', import.meta.url).href;
const work = mkdtempSync(join(tmpdir(), 'systrace-exit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const strace = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p));

/** Runs `end` in a fresh node (koffi loaded, an 'exit' listener) with fds 1 and 2 on a file, under strace. */
function run(end: string, listener = "process.stderr.write('listener ' + code + '\\n')") {
  const script = join(work, `${(end + listener).replace(/\W/g, '')}.mjs`);
  writeFileSync(
    script,
    `import { exitProcess, loadNative } from ${JSON.stringify(index)};
loadNative();
process.on('exit', (code) => ${listener});
process.stdout.write('out\\n');
${end}(7);
`,
  );
  const out = join(work, 'out');
  const trace = join(work, 'trace');
  const fd = openSync(out, 'w');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_V8_COVERAGE;
  try {
    const r = spawnSync(
      strace as string,
      ['-f', '-qq', '-o', trace, '-e', 'trace=fsync', process.execPath, script],
      {
        stdio: ['ignore', fd, fd],
        env,
        timeout: 30_000,
      },
    );
    return {
      status: r.status,
      output: readFileSync(out, 'utf8'),
      fsyncs: readFileSync(trace, 'utf8').match(/fsync\(/g)?.length ?? 0,
    };
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!strace)('exitProcess', () => {
  it('ends with the status after the exit listeners, output written, without the C exit handlers', () => {
    expect(run('exitProcess')).toEqual({ status: 7, output: 'out\nlistener 7\n', fsyncs: 0 });
  });

  it('ends with the status an exit listener set in process.exitCode, as process.exit does', () => {
    const listener = 'process.exitCode = 9';
    expect(run('process.exit', listener).status).toBe(9);
    expect(run('exitProcess', listener)).toEqual({ status: 9, output: 'out\n', fsyncs: 0 });
  });

  it("process.exit's end runs them: koffi fsyncs fds 1 and 2 (what the first test does not see)", () => {
    const r = run('process.exit');
    expect(r.status).toBe(7);
    expect(r.output).toBe('out\nlistener 7\n');
    expect(r.fsyncs).toBeGreaterThanOrEqual(2);
  });
});
