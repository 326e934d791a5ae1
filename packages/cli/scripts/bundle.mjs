// The published bins: one esbuild bundle per entry point (dist/main/*.js, tsc's output) with the cli, core,
// systrace-bindings and the cli's own emulation packages in it, koffi left out (a native addon, loaded
// from node_modules where systrace-bindings needs it), and a V8 code cache of each bundle. Run by the
// package's build script after tsc. dist/bin/NAME.js runs dist/bundle/NAME.cjs with NAME.cjs.cache.
//
// Each bundled module keeps its own import.meta.url: the files beside it (sysjail-init, the worker
// scripts, the BPF sources, package.json) stay where the packages install them, found at run time from
// the package's directory as node resolves it from the bundle.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire, isBuiltin } from 'node:module';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const cliDir = fileURLToPath(new URL('../', import.meta.url));
const mainDir = join(cliDir, 'dist', 'main');
const binDir = join(cliDir, 'dist', 'bin');
const bundleDir = join(cliDir, 'dist', 'bundle');
const cliName = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')).name;

/** The files a package's exports map names ("./dist/x.js" → "dist/x.js"). */
function entryFiles(exports) {
  const out = new Set();
  const walk = (v) => {
    if (typeof v === 'string') out.add(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(exports);
  return out;
}

/** The package a file belongs to (nearest package.json above it): its name and directory. */
const packageOf = (() => {
  const cache = new Map();
  return (file) => {
    for (let d = dirname(file); d !== dirname(d); d = dirname(d)) {
      if (cache.has(d)) return cache.get(d);
      try {
        const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
        if (typeof pkg.name !== 'string') continue;
        const found = {
          name: pkg.name,
          dir: d,
          entries: entryFiles(pkg.exports),
          emulation: pkg.sysjail?.emulation !== undefined,
        };
        cache.set(d, found);
        return found;
      } catch {}
    }
    throw new Error(`${file}: in no package`);
  };
})();

/**
 * import() of a computed specifier (an emulation package found at run time): made by the launcher's
 * function, since code that vm compiles cannot import() without --experimental-vm-modules.
 */
const DYNAMIC_IMPORT = /\bimport\((?=\s*[^\s'"`])/g;

/** import.meta.url of each bundled file → the URL of that file where its package is installed. */
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const pkg = packageOf(realpathSync(args.path));
      const file = relative(pkg.dir, realpathSync(args.path)).split(sep).join('/');
      // An emulation package's entry modules (its handler module, which the supervisor imports by URL;
      // the emulation module): the bundled copy answers an import() of its installed URL. Only those:
      // a namespace object costs the bundle's load a getter per export (the bindings' index has 600).
      const exported = pkg.emulation && pkg.entries.has(file);
      if (!exported && !source.includes('import.meta') && !DYNAMIC_IMPORT.test(source)) return undefined;
      const url = `__sysjailModuleUrl(${JSON.stringify(pkg.name)}, ${JSON.stringify(file)})`;
      let contents = source.replaceAll('import.meta.url', url).replace(DYNAMIC_IMPORT, '__sysjailImport(');
      if (exported) {
        const self = JSON.stringify(`./${basename(file)}`);
        contents += `\nimport * as __sysjailSelf from ${self};\n__sysjailBundledModules.set(${url}, __sysjailSelf);\n`;
      }
      if (contents.includes('import.meta')) throw new Error(`${args.path}: import.meta other than .url`);
      return { contents, loader: 'js' };
    });
  },
};

/**
 * koffi (a native addon) is never in a bundle: systrace-bindings' libc.ts loads it at run time from its
 * own package's directory (createRequire). A static import of it would be bundled: the build fails instead.
 */
const noNativeImports = {
  name: 'no-native-imports',
  setup(b) {
    b.onResolve({ filter: /^koffi$/ }, (args) => ({
      errors: [{ text: `${args.importer}: koffi is loaded by systrace-bindings' libc.ts at run time, not imported` }],
    }));
  },
};

/**
 * The builtin modules a fresh node has not loaded when it runs a script (process.moduleLoadList; crypto,
 * child_process, net, worker_threads...): node compiles each on its first require (1-2.5 ms each), so the
 * bundle requires one only when the code first reads one of its exports. Each import of one is an object
 * with a getter per export (their names from the builtin itself, at build time); esbuild's interop copies
 * getters, not values.
 */
const loadedAtStart = (() => {
  // The list is written to a file: writing it to a pipe (stdout) would load node:net first.
  const probe = join(dirname(fileURLToPath(import.meta.url)), `.module-load-list-${process.pid}.cjs`);
  const out = `${probe}.json`;
  writeFileSync(
    probe,
    `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList));\n`,
  );
  try {
    spawnSync(process.execPath, [probe], { stdio: 'ignore' });
    return new Set(
      JSON.parse(readFileSync(out, 'utf8'))
        .filter((m) => m.startsWith('NativeModule '))
        .map((m) => m.slice('NativeModule '.length)),
    );
  } finally {
    rmSync(probe, { force: true });
    rmSync(out, { force: true });
  }
})();
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      const id = args.path.slice('node:'.length);
      if (args.namespace === 'lazy-builtin') return { path: args.path, external: true };
      if (loadedAtStart.has(id) || !isBuiltin(args.path)) return undefined;
      return { path: id, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const names = Object.getOwnPropertyNames(require(`node:${args.path}`)).filter((n) => n !== '__esModule');
      const getters = names
        .map((n) => `  ${JSON.stringify(n)}: { get: () => load()[${JSON.stringify(n)}], enumerable: true },`)
        .join('\n');
      return {
        contents: `let m;\nconst load = () => (m ??= require(${JSON.stringify(`node:${args.path}`)}));\nObject.defineProperties(module.exports, {\n${getters}\n});\n`,
        loader: 'js',
      };
    });
  },
};

/**
 * A bundle is one function expression, the bundled code its body, as node wraps a CommonJS module (with
 * the launcher's import() as one more parameter): the launcher compiles the file's text as it is. Wrapped
 * when the launcher read it, the text was copied once more as V8 compiled it (0.8 MB, 200 page faults).
 */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname, __sysjailHostImport) {';
const WRAPPER_END = '})';

/** An absolute path that pathToFileURL turns into 'file://' + itself (bin-launcher.linux.test.ts checks). */
const PLAIN_PATH = /^\/[A-Za-z0-9/._@+-]*$/;

// The bundle lives in <cli>/dist/bundle; another package's directory is where node resolves it from there.
const banner = `var __sysjailBundledModules = new Map();
var __sysjailHostImportOr = typeof __sysjailHostImport === 'function' ? __sysjailHostImport : (s) => import(s);
function __sysjailImport(s) {
  var m = __sysjailBundledModules.get(String(s));
  return m === undefined ? __sysjailHostImportOr(s) : Promise.resolve(m);
}
var __sysjailPackageDirs = new Map();
function __sysjailPackageDir(pkg) {
  var path = require('node:path');
  var dir = __sysjailPackageDirs.get(pkg);
  if (dir === undefined) {
    dir = pkg === ${JSON.stringify(cliName)} ? path.join(__dirname, '..', '..') : __sysjailFindPackage(pkg);
    __sysjailPackageDirs.set(pkg, dir);
  }
  return dir;
}
// Where require.resolve(pkg + '/package.json') finds a package: its directory in the nearest node_modules
// above the bundle that holds pkg/package.json, real path (a few stats; require.resolve also reads and
// applies each package's exports map, ~1 ms a package in a fresh process); else require.resolve's answer
// (NODE_PATH, global folders).
function __sysjailFindPackage(pkg) {
  var path = require('node:path');
  var fs = require('node:fs');
  for (var d = __dirname; ; d = path.dirname(d)) {
    if (path.basename(d) !== 'node_modules') {
      var file = path.join(d, 'node_modules', pkg, 'package.json');
      if (fs.existsSync(file)) return path.dirname(fs.realpathSync.native(file));
    }
    if (d === path.dirname(d)) break;
  }
  return path.dirname(require.resolve(pkg + '/package.json'));
}
// A module's URL. A path (path.join's: normalized) of these characters only is its own URL's path, as
// pathToFileURL would make it (whose first calls cost a start ~0.5 ms: modules compute their files'
// paths from their URLs as they initialize).
function __sysjailModuleUrl(pkg, file) {
  var path = require('node:path').join(__sysjailPackageDir(pkg), file);
  return ${PLAIN_PATH}.test(path) ? 'file://' + path : require('node:url').pathToFileURL(path).href;
}`;

/**
 * dist/bin/NAME.js, a shell script and CommonJS at once (`':' /*` is a no-op command in sh and a string
 * then a comment in JavaScript). Run as a program (`#!/bin/sh`: a bin on PATH, npm's links, pnpm's shims
 * that run `sh FILE`), the shell part (builtins only) runs `node -- FILE args...`: node finds the file
 * through a link itself (it runs the real path of its main module).
 *
 * Node starts without NODE_EXTRA_CA_CERTS: node 20 reads and parses those certificates as it starts
 * (about 38 ms of CPU for Debian's bundle of ~140, more than the rest of node's start), and no tool but
 * mkjail makes a TLS connection; the variable is set again for the tool's children
 * (SYSJAIL_NODE_EXTRA_CA_CERTS carries it across the exec and is removed). mkjail keeps it: it asks the
 * mirror it is given (https too) whether it answers before it runs debootstrap.
 *
 * The CommonJS part (`node NAME.js`, as the shell part, the tests and the service unit run it) compiles
 * the bundle with its code cache (V8 checks the cache against the source and its own version and flags,
 * and compiles from source when it does not fit) and runs it as node runs a CommonJS main module;
 * import() of a computed specifier in the bundle is the launcher's own.
 */
/** The tools whose own node makes TLS connections: their node keeps NODE_EXTRA_CA_CERTS. */
const TLS_TOOLS = new Set(['mkjail']);
/**
 * The tools that first offer a jail of a command to the running shared supervisor (dist/bundle/handoff.cjs,
 * src/daemon/handoff-client.ts) and load their own bundle only when it is not taken.
 */
const HANDOFF_TOOLS = new Set(['jail', 'sysjail']);

const launcher = (name) => {
  const sh = TLS_TOOLS.has(name)
    ? `# ${name}: see packages/cli/scripts/bundle.mjs.
exec node -- "$0" "$@"
`
    : `# ${name}: see packages/cli/scripts/bundle.mjs.
if [ -n "\${NODE_EXTRA_CA_CERTS+x}" ]; then
  export SYSJAIL_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"
  unset NODE_EXTRA_CA_CERTS
fi
exec node -- "$0" "$@"
`;
  if (sh.includes('*/')) throw new Error('the shell part would end the comment');
  return `#!/bin/sh
':' /*-
${sh}*/
'use strict';
// ${name}: runs ../bundle/${name}.cjs (built by scripts/bundle.mjs) with its V8 code cache.
if (process.env.SYSJAIL_NODE_EXTRA_CA_CERTS !== undefined) {
  // Kept from node by the shell part (see bundle.mjs), given back to the tool's children.
  process.env.NODE_EXTRA_CA_CERTS = process.env.SYSJAIL_NODE_EXTRA_CA_CERTS;
  delete process.env.SYSJAIL_NODE_EXTRA_CA_CERTS;
}
const { join } = require('node:path');
${HANDOFF_TOOLS.has(name) ? handOff(name) : 'runBundle();'}

function runBundle() {
  const { readFileSync } = require('node:fs');
  const { dirname } = require('node:path');
  const Module = require('node:module');
  const vm = require('node:vm');
  const file = join(__dirname, '..', 'bundle', '${name}.cjs');
  let cachedData;
  try {
    cachedData = readFileSync(\`\${file}.cache\`);
  } catch {}
  const script = new vm.Script(readFileSync(file, 'utf8'), { filename: file, cachedData });
  const main = new Module(file, module);
  main.filename = file;
  main.paths = Module._nodeModulePaths(dirname(file));
  const run = script.runInThisContext();
  run.call(main.exports, main.exports, Module.createRequire(file), main, file, dirname(file), (s) => import(s));
}
`;
};

/**
 * The launcher's hand-off: the supervisor script names the build (daemon/supervisor-files.ts). The client
 * is dist/bundle/handoff.cjs's code, in the launcher itself: required as a module of its own, it took
 * 0.5 ms more to find and load.
 */
const handOff = (name) => `const handOff = ((module) => {
  (function (exports, module) {
${readFileSync(join(bundleDir, 'handoff.cjs'), 'utf8').trimEnd()}
  })(module.exports, module);
  return module.exports.handOff;
})({ exports: {} });
handOff(
  '${name}',
  process.argv.slice(2),
  join(__dirname, '..', 'daemon', 'supervisor-main.js'),
  runBundle,
);`;

/**
 * Arguments each bundle runs with once at build time, to put the functions they compile into its code
 * cache: paths that start nothing and need no privilege (a jail path that does not exist; --explain).
 */
const training = {
  jail: ['/nonexistent/sysjail-code-cache', 'h', '192.0.2.1', '/bin/true'],
  sysjail: ['--explain', '-4', '192.0.2.1', '-6', '2001:db8::1'],
};
/** The others: no arguments (the command's modules load; most stop at their usage error). */
const defaultTraining = [];

/**
 * When the build runs as root on Linux, the jail command is trained on a real start instead: a jail of
 * /bin/true in a root made by mkjail, with a run directory of its own (registry, filter cache), after
 * one start that fills that filter cache. The start path's functions (filter cache, registry, stages,
 * supervision, teardown) are then in the cache, not compiled on first call: about 12 ms of CPU of a
 * `jail ROOT h ADDR /bin/true`, for a cache twice the size (+2 ms for --help). Anything failing: the
 * unprivileged training. Undefined when not tried.
 */
/** A training run that has not ended by then is stopped (SIGTERM: a jail command passes it on, ends). */
const TRAINING_MS = 60_000;

function realJailTraining() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sysjail-code-cache-'));
  const root = join(dir, 'root');
  const env = { ...process.env, SYSJAIL_RUN_DIR: join(dir, 'run') };
  const args = [root, 'sysjail-build', '127.0.99.1', '/bin/true']; // any loopback address but the host's own
  const ok = (bin, binArgs) =>
    spawnSync(process.execPath, [join(binDir, bin), ...binArgs], { stdio: 'ignore', env, timeout: TRAINING_MS })
      .status === 0;
  const prepared = ok('mkjail.js', [root]) && ok('jail.js', args);
  return {
    args: prepared ? args : undefined,
    env,
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs the bundle as the launcher does and writes the code cache V8 has once it exits. */
const cacheWriter = (file) => `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');
const file = ${JSON.stringify(file)};
const script = new vm.Script(readFileSync(file, 'utf8'), { filename: file });
process.on('exit', () => writeFileSync(file + '.cache', script.createCachedData()));
const main = new Module(file, module);
main.filename = file;
main.paths = Module._nodeModulePaths(dirname(file));
script.runInThisContext().call(main.exports, main.exports, Module.createRequire(file), main, file, dirname(file), (s) => import(s));
`;

const entries = readdirSync(mainDir)
  .filter((f) => f.endsWith('.js'))
  .map((f) => basename(f, '.js'));
for (const d of [binDir, bundleDir]) {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
}
/**
 * The filter cache's name for the compiler the bundles carry (core's filter-cache.ts reads it instead of
 * stat-ing the files): a SHA-256 of the files it is made from, as they are now.
 */
const bundledCompiler = await (async () => {
  const { compilerSourceFiles } = await import('@sysjail/core/internals');
  const hash = createHash('sha256');
  for (const file of compilerSourceFiles()) hash.update(`${relative(cliDir, file)}\0`).update(readFileSync(file));
  return hash.digest('hex');
})();
/**
 * Each bundled emulation's Emulation.tablesDigest (core's filter cache keys by it instead of hashing the
 * tables' text): a SHA-256 of its tables' text as the modules the bundle is made of make them.
 */
const tablesDigests = await (async () => {
  const { emulationTablesText } = await import('@sysjail/core/internals');
  const { linux } = await import('@sysjail/emul-linux');
  const { freebsd } = await import('@sysjail/emul-freebsd');
  const digest = (e) => JSON.stringify(createHash('sha256').update(emulationTablesText(e)).digest('hex'));
  return { __sysjailLinuxTablesDigest: digest(linux), __sysjailFreebsdTablesDigest: digest(freebsd) };
})();
await build({
  entryPoints: entries.map((name) => ({ in: join(mainDir, `${name}.js`), out: name })),
  define: { __sysjailBundledCompiler: JSON.stringify(bundledCompiler), ...tablesDigests },
  outdir: bundleDir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [moduleUrls, noNativeImports, lazyBuiltins],
  banner: { js: `${WRAPPER_START}\n${banner}` },
  footer: { js: WRAPPER_END },
  logLevel: 'warning',
  legalComments: 'none',
});
// The hand-off client, alone: node's own modules and its few files, nothing of core or koffi. node:net
// is required when it connects, if at all (lazyBuiltins; line-connection.ts). Minified: the launchers
// carry it, and node parses it at every start of jail(8) and sysjail(1).
await build({
  entryPoints: [join(cliDir, 'dist', 'daemon', 'handoff-client.js')],
  outfile: join(bundleDir, 'handoff.cjs'),
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [
    lazyBuiltins,
    {
      name: 'handoff-only-own-files',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point' || args.path.startsWith('./') || isBuiltin(args.path)) return undefined;
          return { errors: [{ text: `the hand-off client may not import ${args.path}` }] };
        });
      },
    },
  ],
  logLevel: 'warning',
  legalComments: 'none',
});
// The launchers are CommonJS files in a "type": "module" package.
writeFileSync(join(binDir, 'package.json'), '{ "type": "commonjs" }\n');
for (const name of entries) {
  writeFileSync(join(binDir, `${name}.js`), launcher(name), { mode: 0o755 });
  chmodSync(join(binDir, `${name}.js`), 0o755);
}
/** Runs the cache writer on a bundle with these arguments (`-e` takes argv[1] away: a placeholder). */
const writeCache = (bundle, args, env = process.env) =>
  spawnSync(process.execPath, ['-e', cacheWriter(bundle), '--', bundle, ...args], {
    stdio: 'ignore',
    timeout: TRAINING_MS,
    cwd: bundleDir,
    env,
  });
for (const name of entries) {
  const bundle = join(bundleDir, `${name}.cjs`);
  let trained = false;
  if (name === 'jail') {
    const real = realJailTraining();
    try {
      trained = real?.args !== undefined && writeCache(bundle, real.args, real.env).status === 0;
    } finally {
      real?.done();
    }
    if (!trained) rmSync(`${bundle}.cache`, { force: true });
  }
  const r = trained ? undefined : writeCache(bundle, training[name] ?? defaultTraining);
  if (!existsSync(`${bundle}.cache`)) throw new Error(`${name}: no code cache written (exit ${r?.status})`);
}
