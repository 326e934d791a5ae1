// The bins as a user runs them (scripts/bundle.mjs, `launcher`): the file executed (its shell part runs
// node on it), through a link (npm -g, node_modules/.bin), as `sh FILE` (pnpm's shims), as `node FILE`,
// as a user other than root; the command's status passed through; NODE_EXTRA_CA_CERTS kept from node
// and given back to the tool's children.
import { type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Emulation } from '@sysjail/core';
import { compilerSourceFiles, emulationTablesText } from '@sysjail/core/internals';
import { freebsd } from '@sysjail/emul-freebsd';
import { linux } from '@sysjail/emul-linux';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synopses } from '../config/usage.js';

const cliDir = fileURLToPath(new URL('../../', import.meta.url));
const binDir = join(cliDir, 'dist', 'bin');
const jailBin = join(binDir, 'jail.js');
const version = (JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { version: string })
  .version;
const base = mkdtempSync(join(tmpdir(), 'sysjail-bin-'));
const root = join(base, 'closed', 'root');
const env: NodeJS.ProcessEnv = { ...process.env, SYSJAIL_RUN_DIR: join(base, 'run') };
const notFound = { status: 1, stdout: '', stderr: 'jail: jail "nosuch" not found\n' };

/** `file` executed with `args` (the jail bin by default). */
function run(
  args: readonly string[],
  opts: { file?: string; env?: NodeJS.ProcessEnv } & SpawnSyncOptions = {},
) {
  const r = spawnSync(opts.file ?? jailBin, args, {
    encoding: 'utf8',
    timeout: 60_000,
    ...opts,
    env: { ...env, ...opts.env },
  });
  return { status: r.status, stdout: `${r.stdout}`, stderr: `${r.stderr}` };
}

beforeAll(() => {
  mkdirSync(join(base, 'closed'), { mode: 0o700 });
  const r = run([root], { file: join(binDir, 'mkjail.js') });
  expect(r.status, r.stderr).toBe(0);
}, 60_000);

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('the bins', () => {
  it('run as a program, through a link, as `sh FILE` and as `node FILE`', () => {
    expect(run(['-r', 'nosuch'])).toEqual(notFound);
    // A link as npm -g and node_modules/.bin make, in a directory whose name the shell must quote.
    const links = join(base, 'bin dir *');
    mkdirSync(links);
    const link = join(links, 'jail');
    symlinkSync(jailBin, link);
    expect(run(['-r', 'nosuch'], { file: link })).toEqual(notFound);
    expect(run([jailBin, '-r', 'nosuch'], { file: '/bin/sh' })).toEqual(notFound);
    expect(run([link, '-r', 'nosuch'], { file: '/bin/sh' })).toEqual(notFound);
    expect(run([jailBin, '-r', 'nosuch'], { file: process.execPath })).toEqual(notFound);
    expect(run(['--version'], { file: link })).toEqual({
      status: 0,
      stdout: `jail (@sysjail/cli) ${version}\n`,
      stderr: '',
    });
    // Arguments reach the tool as given (one with a space, one that looks like a node option).
    const usage = run([root, 'h h', '--inspect']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^jail: .*\nusage: jail/);
  });

  it('every tool answers --version and a usage error as a program', () => {
    for (const tool of Object.keys(synopses)) {
      const file = join(binDir, `${tool}.js`);
      expect(run(['--version'], { file }), tool).toEqual({
        status: 0,
        stdout: `${tool} (@sysjail/cli) ${version}\n`,
        stderr: '',
      });
      const bad = run(['--bogus-option'], { file });
      expect(bad.status, tool).toBe(2);
      expect(bad.stderr, tool).toMatch(new RegExp(`^${tool}: unknown option: --bogus-option\n`));
    }
  });

  it('run by a user other than root', () => {
    expect(run(['--version'], { uid: 65534, gid: 65534 })).toEqual({
      status: 0,
      stdout: `jail (@sysjail/cli) ${version}\n`,
      stderr: '',
    });
  });

  it("a real jail: the command's status and output pass through", () => {
    expect(run(['-i', root, 'h', '127.0.41.1', '/bin/sh', '-c', 'hostname; exit 3'])).toEqual({
      status: 3,
      stdout: '1\nh\n',
      stderr: '',
    });
  }, 60_000);

  it('the bundles name the filter compiler they carry by a digest of its source files, as the build read them', () => {
    const hash = createHash('sha256');
    for (const file of compilerSourceFiles())
      hash.update(`${relative(cliDir, file)}\0`).update(readFileSync(file));
    const digest = hash.digest('hex');
    const bundled = (name: string) => readFileSync(join(cliDir, 'dist', 'bundle', `${name}.cjs`), 'utf8');
    for (const name of ['jail', 'sysjail']) {
      expect(bundled(name)).toContain(JSON.stringify(digest));
      expect(bundled(name)).not.toContain('__sysjailBundledCompiler');
    }
  });

  it("the bundles' module URLs: a (normalized) path the banner takes as its own URL's path is one pathToFileURL leaves as it is", () => {
    const bundle = readFileSync(join(cliDir, 'dist', 'bundle', 'jail.cjs'), 'utf8');
    const source = /function __sysjailModuleUrl[\s\S]*?return (\/.*\/)\.test\(path\)/.exec(bundle)?.[1];
    expect(source).toBeDefined();
    const plain = new RegExp((source as string).slice(1, -1));
    const alphabet = 'abcXYZ019/._@+-%#? \\\n\t:~!$&\'()*,;=[]{}<>"`|^é';
    for (let i = 0; i < 20_000; i++) {
      let path = '/';
      for (let n = Math.floor(Math.random() * 24); n > 0; n--)
        path += alphabet[Math.floor(Math.random() * alphabet.length)];
      path = join(path); // as the banner's path.join makes it: normalized
      if (plain.test(path)) expect(pathToFileURL(path).href).toBe(`file://${path}`);
    }
    expect(plain.test(join(cliDir, 'dist', 'bundle', 'jail.cjs'))).toBe(true);
    for (const odd of ['/a b', '/a%20', '/a#b', '/a?b', '/a\\b', '/é', 'rel/a'])
      expect(plain.test(odd)).toBe(false);
  });

  it('the bundles name each emulation they carry by a digest of its tables as its package makes them', () => {
    const digest = (e: Emulation) => createHash('sha256').update(emulationTablesText(e)).digest('hex');
    const bundled = (name: string) => readFileSync(join(cliDir, 'dist', 'bundle', `${name}.cjs`), 'utf8');
    for (const name of ['jail', 'jexec', 'sysjail']) {
      const text = bundled(name);
      for (const e of [linux, freebsd]) expect(text).toContain(`tablesDigest: ${JSON.stringify(digest(e))}`);
      expect(text).not.toMatch(/__sysjail(Linux|Freebsd)TablesDigest/);
    }
  });

  it("mkjail's node keeps NODE_EXTRA_CA_CERTS (it asks an https mirror); the others' node never reads it", () => {
    // node warns at start when it cannot read the file the variable names: only a node that read it warns
    const missing = { NODE_EXTRA_CA_CERTS: join(base, 'no-such-certs.pem') };
    const warned = (tool: string) =>
      run(['--version'], { file: join(binDir, `${tool}.js`), env: missing }).stderr.includes(
        `Ignoring extra certs from \`${missing.NODE_EXTRA_CA_CERTS}\``,
      );
    expect(warned('mkjail')).toBe(true);
    for (const tool of Object.keys(synopses).filter((t) => t !== 'mkjail'))
      expect(warned(tool), tool).toBe(false);
  }, 60_000);

  it("node starts without NODE_EXTRA_CA_CERTS; the tool's children get it back, and no variable of the bin's", async () => {
    const certs = { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
    const show = ['/bin/sh', '-c', 'echo "$NODE_EXTRA_CA_CERTS"; env | grep ^SYSJAIL_ | sort'];
    // The jailed command inherits the tool's environment (PATH aside): the test's SYSJAIL_ variables only.
    const ours = Object.keys(env)
      .filter((k) => k.startsWith('SYSJAIL_'))
      .sort()
      .map((k) => `${k}=${env[k]}\n`)
      .join('');
    for (const file of [jailBin, process.execPath]) {
      const args = [root, 'h', '127.0.41.2', ...show];
      const r = run(file === jailBin ? args : [jailBin, ...args], { file, env: certs });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout, file).toBe(`${certs.NODE_EXTRA_CA_CERTS}\n${ours}`);
    }
    // As node itself saw it: its environment at exec, once the shell part has exec'd node.
    const child = spawn(jailBin, [root, 'h', '127.0.41.3', '/bin/sleep', '2'], {
      env: { ...env, ...certs },
      stdio: 'ignore',
    });
    const closed = new Promise((r) => child.on('close', r));
    const proc = `/proc/${child.pid}`;
    let cmdline = '';
    for (let i = 0; i < 200 && !cmdline.startsWith('node\0'); i++) {
      await new Promise((r) => setTimeout(r, 25));
      cmdline = readFileSync(`${proc}/cmdline`, 'utf8');
    }
    expect(cmdline.split('\0')).toEqual([
      'node',
      '--',
      jailBin,
      root,
      'h',
      '127.0.41.3',
      '/bin/sleep',
      '2',
      '',
    ]);
    const environ = readFileSync(`${proc}/environ`, 'utf8').split('\0');
    expect(environ.filter((v) => v.startsWith('NODE_EXTRA_CA_CERTS='))).toEqual([]);
    expect(environ).toContain(`SYSJAIL_NODE_EXTRA_CA_CERTS=${certs.NODE_EXTRA_CA_CERTS}`);
    await closed;
    expect(child.exitCode).toBe(0);
  }, 60_000);
});
