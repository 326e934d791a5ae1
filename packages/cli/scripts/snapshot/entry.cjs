'use strict';
// A tool's startup snapshot (copied to dist/bundle/snapshot-entry.cjs by bundle.mjs; built by
// snapshot-build.cjs as `node --snapshot-blob BLOB --build-snapshot snapshot-entry.cjs NAME`): the
// tool's bundle run as the bin runs it, its command's modules initialised (runTool's `load`), koffi not
// (the bindings load it on first use). Once deserialized (the bin runs `node --snapshot-blob
// /dev/fd/N BIN args...`), its main checks the blob it came from and where it runs (see checks()), then
// runs the tool; when a check fails it runs the bin's CommonJS part instead, as `node BIN` would.
const v8 = require('node:v8');
const { closeSync, readFileSync, realpathSync, statSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const name = process.argv[2];
const bundleDir = realpathSync(__dirname);
const cliDir = dirname(dirname(bundleDir));
const binFile = join(cliDir, 'dist', 'bin', `${name}.js`);
const file = join(bundleDir, `${name}.cjs`);
const { hash } = JSON.parse(readFileSync(join(bundleDir, 'snapshot.json'), 'utf8'))[name];
// Not require(): no user module may be loaded through node's loader while a snapshot is built.
const trust = { exports: {} };
new vm.Script(`(function (module, exports, require) { ${readFileSync(join(bundleDir, 'snapshot-trust.cjs'), 'utf8')}\n})`, {
  filename: join(bundleDir, 'snapshot-trust.cjs'),
})
  .runInThisContext()
  .call(trust.exports, trust, trust.exports, require);

let run;
let loaded = false;
globalThis.sysjailSnapshotBuild = {
  defer(r, load) {
    run = r;
    (load ? load() : Promise.resolve()).then(() => {
      loaded = true;
    });
  },
};

// import() of a computed specifier (an emulation that is not in the bundle): code in a snapshot has no
// import() of its own, so this one is compiled when first needed, with the main context's loader.
let importer;
function hostImport(specifier) {
  if (importer === undefined) {
    const emit = process.emitWarning; // the loader option is marked experimental in Node 20
    process.emitWarning = () => {};
    try {
      importer = new vm.Script('(s) => import(s)', {
        importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      }).runInThisContext();
    } finally {
      process.emitWarning = emit;
    }
  }
  return importer(specifier);
}

const source = readFileSync(file, 'utf8');
const wrapped = `(function (exports, require, module, __filename, __dirname, __sysjailHostImport) { ${source}\nreturn __sysjailPackageDirs;\n})`;
const main = new Module(file, null);
main.filename = file;
main.paths = Module._nodeModulePaths(bundleDir);
/** The directories the bundle found its packages in (pkg → dir), frozen in the snapshot. */
// Every function of the bundle compiled now (into the snapshot), not on its first call at run time:
// the bundle's code cache has the start path's functions from its training run, a snapshot has only
// what is compiled when it is built (measured: a jail start 93 ms CPU compiled lazily, 80 eagerly, 84
// from the code cache). V8's flags are as before once the script is compiled.
v8.setFlagsFromString('--no-lazy');
const script = new vm.Script(wrapped, { filename: file });
v8.setFlagsFromString('--lazy');
const packageDirs = script
  .runInThisContext()
  .call(main.exports, main.exports, Module.createRequire(file), main, file, bundleDir, hostImport);
delete globalThis.sysjailSnapshotBuild;

v8.startupSnapshot.addSerializeCallback(() => {
  if (run === undefined || !loaded) throw new Error(`${name}: the command's modules did not load`);
});

/**
 * Why this run cannot use the snapshot, or undefined: the blob (open on /dev/fd/N) is not the one of
 * this tool's snapshot directory or that directory is not root's alone; the bin is not the one the
 * snapshot was built for; a package directory the bundle found is gone. `stale`: a rebuild would help.
 */
function checks(bin, fd) {
  if (bin !== binFile) return { why: `built for ${binFile}`, stale: true };
  for (const dir of packageDirs.values()) {
    if (!statSync(join(dir, 'package.json'), { throwIfNoEntry: false })) return { why: `${dir} gone`, stale: true };
  }
  if (fd === undefined) return { why: 'no descriptor' };
  const dir = trust.exports.snapshotDir(cliDir);
  const why = trust.exports.untrustedDir(dir) ?? trust.exports.untrustedBlob(fd, join(dir, `${name}-${hash}.blob`));
  return why === undefined ? undefined : { why };
}

v8.startupSnapshot.setDeserializeMainFunction(() => {
  if (process.env.SYSJAIL_NODE_EXTRA_CA_CERTS !== undefined) {
    // Kept from node by the bin's shell part, given back to the tool's children.
    process.env.NODE_EXTRA_CA_CERTS = process.env.SYSJAIL_NODE_EXTRA_CA_CERTS;
    delete process.env.SYSJAIL_NODE_EXTRA_CA_CERTS;
  }
  const at = process.execArgv.indexOf('--snapshot-blob');
  const fdArg = at < 0 ? undefined : /^\/dev\/fd\/([0-9]+)$/.exec(process.execArgv[at + 1] ?? '')?.[1];
  if (at >= 0) process.execArgv.splice(at, 2); // not for a child node
  const fd = fdArg === undefined ? undefined : Number(fdArg);
  if (process.argv[1] !== undefined) process.argv[1] = resolve(process.argv[1]);
  if (process.env.SYSJAIL_SNAPSHOT_SELFTEST === name) {
    // The builder's check of a new blob: runs the tool as it is (argv from the builder), no checks.
    delete process.env.SYSJAIL_SNAPSHOT_SELFTEST;
    run();
    return;
  }
  let bin;
  let failed;
  try {
    bin = realpathSync(process.argv[1]);
    failed = checks(bin, fd);
  } catch (e) {
    failed = { why: e.message };
  }
  if (fd !== undefined) {
    try {
      closeSync(fd);
    } catch {}
  }
  if (failed === undefined) {
    if (process.env.SYSJAIL_SNAPSHOT_DEBUG) process.stderr.write(`${name}: snapshot used\n`);
    run();
    return;
  }
  if (process.env.SYSJAIL_SNAPSHOT_DEBUG) process.stderr.write(`${name}: snapshot not used: ${failed.why}\n`);
  if (failed.stale) process.env.SYSJAIL_SNAPSHOT_WANTED = '1';
  // As `node BIN args...`: the bin's CommonJS part runs the bundle with its code cache.
  Module.createRequire(bin ?? binFile)(bin ?? binFile);
});
