#!/usr/bin/env node
// Generates src/arg-names.ts: the argument names of every call of src/signatures.ts, from the kernel's
// own prototypes (include/linux/syscalls.h of linux-headers-VERSION-common, the same kernel version as
// the linux-libc-dev headers the tables' numbers come from), with the aliases and arch-specific calls
// the header does not declare named below (from arch/x86's SYSCALL_DEFINEs and ia32 wrappers).
// Run: node scripts/arg-names.mjs --syscalls-h /usr/src/linux-headers-V-common/include/linux/syscalls.h
// Options: --check (exit 1 if the committed file differs). Then run scripts/generate-tables.mjs.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const headerPath = argv.includes('--syscalls-h') ? argv[argv.indexOf('--syscalls-h') + 1] : undefined;
const check = argv.includes('--check');
if (!headerPath) {
  console.error('usage: arg-names.mjs --syscalls-h path/to/include/linux/syscalls.h [--check]');
  process.exit(2);
}

/** Table name → the kernel entry point's name in syscalls.h, where they differ. */
const aliases = {
  oldstat: 'stat', oldfstat: 'fstat', oldlstat: 'lstat', _llseek: 'llseek', readdir: 'old_readdir',
  _newselect: 'select', umount2: 'umount', ugetrlimit: 'getrlimit', oldolduname: 'olduname',
  mmap2: 'mmap_pgoff', clock_gettime64: 'clock_gettime', clock_settime64: 'clock_settime',
  clock_getres_time64: 'clock_getres', clock_nanosleep_time64: 'clock_nanosleep', clock_adjtime64: 'clock_adjtime',
  timer_settime64: 'timer_settime', timer_gettime64: 'timer_gettime', timerfd_settime64: 'timerfd_settime',
  timerfd_gettime64: 'timerfd_gettime', utimensat_time64: 'utimensat', pselect6_time64: 'pselect6',
  ppoll_time64: 'ppoll', io_pgetevents_time64: 'io_pgetevents', recvmmsg_time64: 'recvmmsg',
  sched_rr_get_interval_time64: 'sched_rr_get_interval', rt_sigtimedwait_time64: 'rt_sigtimedwait',
  semtimedop_time64: 'semtimedop', mq_timedsend_time64: 'mq_timedsend', mq_timedreceive_time64: 'mq_timedreceive',
  futex_time64: 'futex',
};

/** Calls syscalls.h does not declare (arch/x86), or declares for another ABI's register layout. */
const byHand = {
  arch_prctl: { args: ['option', 'arg2'] },
  set_thread_area: { args: ['u_info'] },
  get_thread_area: { args: ['u_info'] },
  modify_ldt: { args: ['func', 'ptr', 'bytecount'] },
  vm86: { args: ['cmd', 'arg'] },
  vm86old: { args: ['user_vm86'] },
  iopl: { args: ['level'] },
  bdflush: { args: ['func', 'data'] },
  _sysctl: { args: ['args'] },
  mmap: { args: ['addr', 'len', 'prot', 'flags', 'fd', 'off'], i386: ['arg'] },
  select: { args: ['n', 'inp', 'outp', 'exp', 'tvp'], i386: ['arg'] },
  clone: {
    args: ['clone_flags', 'newsp', 'parent_tidptr', 'child_tidptr', 'tls'],
    i386: ['clone_flags', 'newsp', 'parent_tidptr', 'tls', 'child_tidptr'],
  },
  umount: { args: ['name'] },
  sigsuspend: { args: ['unused1', 'unused2', 'mask'] },
  truncate64: { args: ['filename', 'offset_low', 'offset_high'] },
  ftruncate64: { args: ['fd', 'offset_low', 'offset_high'] },
  fadvise64_64: { args: ['fd', 'offset_low', 'offset_high', 'len_low', 'len_high', 'advice'] },
  pread64: { i386: ['fd', 'buf', 'count', 'pos_low', 'pos_high'] },
  pwrite64: { i386: ['fd', 'buf', 'count', 'pos_low', 'pos_high'] },
  sync_file_range: { i386: ['fd', 'offset_low', 'offset_high', 'nbytes_low', 'nbytes_high', 'flags'] },
  fallocate: { i386: ['fd', 'mode', 'offset_low', 'offset_high', 'len_low', 'len_high'] },
  fadvise64: { i386: ['fd', 'offset_low', 'offset_high', 'len', 'advice'] },
  readahead: { i386: ['fd', 'offset_low', 'offset_high', 'count'] },
  fanotify_mark: { i386: ['fanotify_fd', 'flags', 'mask_low', 'mask_high', 'dfd', 'pathname'] },
  lookup_dcookie: { i386: ['cookie_low', 'cookie_high', 'buf', 'len'] },
  // Declared without parameter names in syscalls.h: the names of their SYSCALL_DEFINEs.
  readdir: { args: ['fd', 'dirent', 'count'] },
  socket: { args: ['family', 'type', 'protocol'] },
  socketpair: { args: ['family', 'type', 'protocol', 'usockvec'] },
  listen: { args: ['fd', 'backlog'] },
  shutdown: { args: ['fd', 'how'] },
  bind: { args: ['fd', 'umyaddr', 'addrlen'] },
  connect: { args: ['fd', 'uservaddr', 'addrlen'] },
  accept: { args: ['fd', 'upeer_sockaddr', 'upeer_addrlen'] },
  accept4: { args: ['fd', 'upeer_sockaddr', 'upeer_addrlen', 'flags'] },
  getsockname: { args: ['fd', 'usockaddr', 'usockaddr_len'] },
  getpeername: { args: ['fd', 'usockaddr', 'usockaddr_len'] },
  sendto: { args: ['fd', 'buff', 'len', 'flags', 'addr', 'addr_len'] },
  recvfrom: { args: ['fd', 'ubuf', 'size', 'flags', 'addr', 'addr_len'] },
  pselect6: { args: ['n', 'inp', 'outp', 'exp', 'tsp', 'sig'] },
  pselect6_time64: { args: ['n', 'inp', 'outp', 'exp', 'tsp', 'sig'] },
  ppoll: { args: ['ufds', 'nfds', 'tsp', 'sigmask', 'sigsetsize'] },
  ppoll_time64: { args: ['ufds', 'nfds', 'tsp', 'sigmask', 'sigsetsize'] },
  io_submit: { args: ['ctx_id', 'nr', 'iocbpp'] },
  uname: { args: ['name'] },
  olduname: { args: ['name'] },
  oldolduname: { args: ['name'] },
  rt_sigaction: { args: ['sig', 'act', 'oact', 'sigsetsize'] },
  sigaction: { args: ['sig', 'act', 'oact'] },
};

/** `asmlinkage long sys_NAME(type name, ...);` → NAME → every parameter list declared (#ifdef variants). */
export function parsePrototypes(text) {
  const protos = new Map();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const m of code.matchAll(/asmlinkage\s+long\s+sys_(\w+)\s*\(([^;]*?)\)\s*;/g)) {
    const params = m[2].replace(/\s+/g, ' ').trim();
    const names =
      params === 'void' || params === ''
        ? []
        : params.split(',').map((p) => {
            // A parameter the header leaves unnamed (`int`, `struct sockaddr __user *`) gives no name.
            const words = p.trim().split(/[\s*]+/).filter((w) => w !== '');
            const last = /(\w+)\s*(\[\s*\])?\s*$/.exec(p.trim())?.[1];
            return words.length < 2 || !last || /^(__user|struct|const|unsigned|int|long|char|short|void)$/.test(last)
              ? '?'
              : last;
          });
    protos.set(m[1], [...(protos.get(m[1]) ?? []), names]);
  }
  return protos;
}

async function loadSignatures() {
  const src = readFileSync(join(pkg, 'src/signatures.ts'), 'utf8');
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
  return mod.signatures;
}

const protos = parsePrototypes(readFileSync(headerPath, 'utf8'));
const signatures = await loadSignatures();
const problems = [];
const rows = [];
for (const [name, sig] of Object.entries(signatures)) {
  const pick = (kinds, hand) => {
    if (hand) return hand;
    if (kinds.length === 0) return [];
    const kernel = aliases[name] ?? (protos.has(name) ? name : name.replace(/32$/, ''));
    const found = (protos.get(kernel) ?? []).find((p) => p.length === kinds.length && !p.includes('?'));
    if (!found || found.includes('?')) problems.push(`${name}: no prototype with ${kinds.length} arguments`);
    return found ?? [];
  };
  const args = pick(sig.args, byHand[name]?.args);
  const i386 = sig.i386 ? pick(sig.i386, byHand[name]?.i386) : undefined;
  for (const [names, kinds] of [[args, sig.args], [i386, sig.i386]])
    if (names && kinds && names.length !== kinds.length) problems.push(`${name}: ${names.length} names, ${kinds.length} kinds`);
  const q = (xs) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
  rows.push(`  ${`${name}:`.padEnd(30)} { args: ${q(args)}${i386 ? `, i386: ${q(i386)}` : ''} },`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
const text = `// biome-ignore-all format: generated, one row per syscall
// GENERATED by scripts/arg-names.mjs from the kernel's include/linux/syscalls.h (linux-headers-common of
// the linux-libc-dev version) and the script's names for calls it does not declare. Do not edit.
// Argument names by kernel name, in src/signatures.ts's order; \`i386\` where that ABI's arguments differ.

export const argNames: Readonly<Record<string, { readonly args: readonly string[]; readonly i386?: readonly string[] }>> = {
${rows.join('\n')}
};
`;
const out = join(pkg, 'src/arg-names.ts');
if (check) {
  let old = '';
  try {
    old = readFileSync(out, 'utf8');
  } catch {}
  if (old !== text) {
    console.error('src/arg-names.ts is out of date');
    process.exitCode = 1;
  }
} else {
  writeFileSync(out, text);
  console.log('wrote src/arg-names.ts');
}
