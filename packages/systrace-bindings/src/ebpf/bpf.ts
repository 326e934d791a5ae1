/** bpf(2) for cgroup programs: load (with the verifier log on failure), attach, detach, query. */
import { InvalidArgumentError } from '../errors.js';
import { addressOf } from '../libc.js';
import { withSignalsBlocked } from '../signals.js';
import { syscall, syscallNoThrow } from '../syscall.js';
import { sysno } from '../sysno.js';
import { type EbpfInsn, encodeInsns } from './insn.js';
import { EbpfLoadError } from './load-error.js';
import { BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_LOAD, BPF_PROG_QUERY } from './uapi.js';

export interface EbpfProgLoadOptions {
  /** BPF_PROG_TYPE_* */
  readonly progType: number;
  /** BPF_CGROUP_* the program will be attached as (required for sock_addr programs). */
  readonly expectedAttachType?: number;
  readonly insns: readonly EbpfInsn[];
  /** Up to 15 characters of [A-Za-z0-9_.], shown by bpftool. */
  readonly name?: string;
  readonly license?: string;
  /** Size of the verifier log buffer used when the first load fails (default 1 MiB). */
  readonly logSize?: number;
}

const BPF_OBJ_NAME_LEN = 16;

function bpf(cmd: number, attr: Buffer): number {
  return syscall(sysno.bpf, cmd, attr, attr.length);
}

const EAGAIN = 11;
/** How often a load that failed with EAGAIN is tried again (libbpf: 5). */
export const PROG_LOAD_TRIES = 5;

/**
 * BPF_PROG_LOAD. The verifier gives up with EAGAIN when a signal is pending for the thread (a
 * profiler's SIGPROF, a SIGCHLD in a busy process): tried again, as libbpf does, and then with every
 * signal blocked on this thread for the call, so that a signal arriving again cannot interrupt it (it
 * is delivered when the call returns). Returns the fd or -errno.
 */
function progLoad(attr: Buffer): number {
  const load = () => syscallNoThrow(sysno.bpf, BPF_PROG_LOAD, attr, attr.length);
  let r = load();
  for (let i = 0; i < PROG_LOAD_TRIES && r === -EAGAIN; i++) r = withSignalsBlocked(load);
  return r;
}

/** Load a program; returns its fd (close it with closeFd when attached). */
export function bpfProgLoad(opts: EbpfProgLoadOptions): number {
  const code = encodeInsns(opts.insns);
  const license = Buffer.from(`${opts.license ?? 'Dual BSD/GPL'}\0`);
  const name = opts.name ?? '';
  if (!/^[A-Za-z0-9_.]*$/.test(name) || name.length >= BPF_OBJ_NAME_LEN) {
    throw new InvalidArgumentError(`bad eBPF program name: ${JSON.stringify(name)}`);
  }
  const attr = Buffer.alloc(72);
  attr.writeUInt32LE(opts.progType, 0);
  attr.writeUInt32LE(opts.insns.length, 4);
  attr.writeBigUInt64LE(addressOf(code), 8);
  attr.writeBigUInt64LE(addressOf(license), 16);
  attr.write(name, 48, 'latin1');
  attr.writeUInt32LE(opts.expectedAttachType ?? 0, 68);
  const fd = progLoad(attr);
  if (fd >= 0) return fd;
  // Again with the verifier log, for the error.
  const log = Buffer.alloc(opts.logSize ?? 1 << 20);
  attr.writeUInt32LE(1, 24);
  attr.writeUInt32LE(log.length, 28);
  attr.writeBigUInt64LE(addressOf(log), 32);
  const again = progLoad(attr);
  if (again >= 0) return again;
  const end = log.indexOf(0);
  throw new EbpfLoadError(name || '(anonymous)', -again, log.toString('utf8', 0, end < 0 ? log.length : end));
}

/** Attach a loaded program to a cgroup (target is an fd of the cgroup2 directory). */
export function bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags = 0): void {
  const attr = Buffer.alloc(20);
  attr.writeUInt32LE(targetFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(attachType, 8);
  attr.writeUInt32LE(flags, 12);
  bpf(BPF_PROG_ATTACH, attr);
}

/**
 * Detach from a cgroup. progFd 0 detaches the one program of a non-multi attachment (the fd may be
 * closed since); BPF_F_ALLOW_MULTI attachments need the program's fd.
 */
export function bpfProgDetach(targetFd: number, attachType: number, progFd = 0): void {
  const attr = Buffer.alloc(20);
  attr.writeUInt32LE(targetFd, 0);
  attr.writeUInt32LE(progFd, 4);
  attr.writeUInt32LE(attachType, 8);
  bpf(BPF_PROG_DETACH, attr);
}

export interface EbpfProgQuery {
  readonly attachFlags: number;
  /** Ids of the programs attached directly to the cgroup for this attach type. */
  readonly progIds: number[];
}

/** Programs attached to a cgroup for one attach type (not the inherited ones). */
export function bpfProgQuery(targetFd: number, attachType: number, max = 64): EbpfProgQuery {
  const ids = Buffer.alloc(4 * max);
  const attr = Buffer.alloc(32);
  attr.writeUInt32LE(targetFd, 0);
  attr.writeUInt32LE(attachType, 4);
  attr.writeBigUInt64LE(addressOf(ids), 16);
  attr.writeUInt32LE(max, 24);
  bpf(BPF_PROG_QUERY, attr);
  const count = attr.readUInt32LE(24);
  const progIds: number[] = [];
  for (let n = 0; n < Math.min(count, max); n++) progIds.push(ids.readUInt32LE(4 * n));
  return { attachFlags: attr.readUInt32LE(12), progIds };
}

/** close(2) of a program fd (once attached, a cgroup holds its own reference). */
export function closeProgFd(fd: number): void {
  syscall(sysno.close, fd);
}
