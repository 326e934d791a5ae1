// ptrace(2) for the host's own mechanism (stacking a filter on a running process): seize, interrupt,
// registers, the stops as waitid(2) reports them. Every request must come from the thread that seized
// the tracee, so callers run a whole session synchronously on one thread.

import { readFileSync } from 'node:fs';
import { SyscallError } from './errors.js';
import { readProcStat } from './proc-stat.js';
import { syscallNoThrow } from './syscall.js';
import {
  __WALL,
  CLD_STOPPED,
  CLD_TRAPPED,
  P_PID,
  type WaitidResult,
  WEXITED,
  WNOHANG,
  WNOWAIT,
  WSTOPPED,
  waitid,
} from './wait.js';

const NR_ptrace = 101;

export const PTRACE_PEEKDATA = 2;
export const PTRACE_POKEDATA = 5;
export const PTRACE_CONT = 7;
export const PTRACE_GETREGS = 12;
export const PTRACE_SETREGS = 13;
export const PTRACE_DETACH = 17;
export const PTRACE_SYSCALL = 24;
export const PTRACE_GETEVENTMSG = 0x4201;
export const PTRACE_SEIZE = 0x4206;
export const PTRACE_INTERRUPT = 0x4207;
export const PTRACE_SECCOMP_GET_FILTER = 0x420c;
export const PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG = 0x4210;
export const PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG = 0x4211;

export const PTRACE_O_TRACESYSGOOD = 0x1;
export const PTRACE_O_TRACEFORK = 0x2;
export const PTRACE_O_TRACEVFORK = 0x4;
export const PTRACE_O_TRACECLONE = 0x8;
export const PTRACE_O_EXITKILL = 0x100000;

export const PTRACE_EVENT_FORK = 1;
export const PTRACE_EVENT_VFORK = 2;
export const PTRACE_EVENT_CLONE = 3;
export const PTRACE_EVENT_STOP = 128;

const SIGTRAP = 5;
const ECHILD = 10;

function ptrace(
  request: number,
  tid: number,
  addr: number | bigint | Uint8Array | null,
  data: number | bigint | Uint8Array | null,
): number {
  const r = syscallNoThrow(NR_ptrace, request, tid, addr, data);
  if (r < 0 && r > -4096) throw new SyscallError('ptrace', -r);
  return r;
}

/** PTRACE_SEIZE with options (PTRACE_O_*): the tracee keeps running until interrupted. */
export function ptraceSeize(tid: number, options: number): void {
  ptrace(PTRACE_SEIZE, tid, 0, options);
}

/** PTRACE_INTERRUPT: a seized tracee stops at its next chance (PTRACE_EVENT_STOP), even when stopped. */
export function ptraceInterrupt(tid: number): void {
  ptrace(PTRACE_INTERRUPT, tid, 0, 0);
}

/** PTRACE_DETACH from a stopped tracee, delivering `signal` (0: none). */
export function ptraceDetach(tid: number, signal = 0): void {
  ptrace(PTRACE_DETACH, tid, 0, signal);
}

/** PTRACE_CONT, delivering `signal` (0: none). */
export function ptraceCont(tid: number, signal = 0): void {
  ptrace(PTRACE_CONT, tid, 0, signal);
}

/** PTRACE_SYSCALL: run to the next system-call entry or exit stop. */
export function ptraceSyscall(tid: number, signal = 0): void {
  ptrace(PTRACE_SYSCALL, tid, 0, signal);
}

/** PTRACE_GETREGS into `into` (the host's struct user_regs_struct). */
export function ptraceGetRegs(tid: number, into: Buffer): void {
  ptrace(PTRACE_GETREGS, tid, 0, into);
}

/** PTRACE_SETREGS from `regs`. */
export function ptraceSetRegs(tid: number, regs: Buffer): void {
  ptrace(PTRACE_SETREGS, tid, 0, regs);
}

/** PTRACE_GETEVENTMSG: the new task's id at a fork, vfork or clone event stop. */
export function ptraceGetEventMsg(tid: number): number {
  const out = Buffer.alloc(8);
  ptrace(PTRACE_GETEVENTMSG, tid, 0, out);
  return Number(out.readBigUInt64LE(0));
}

/** PTRACE_PEEKDATA: one word of the tracee's memory (the raw call stores it in `data`). */
export function ptracePeekData(tid: number, address: bigint): Buffer {
  const out = Buffer.alloc(8);
  ptrace(PTRACE_PEEKDATA, tid, address, out);
  return out;
}

/** PTRACE_POKEDATA: one word into the tracee's memory (also read-only private mappings, as a debugger). */
export function ptracePokeData(tid: number, address: bigint, word: Buffer): void {
  ptrace(PTRACE_POKEDATA, tid, address, word.readBigUInt64LE(0));
}

/**
 * PTRACE_SECCOMP_GET_FILTER: the tracee's filter at `index` (0: the first installed, the oldest), the
 * kernel's own copy as encoded struct sock_filter[]; undefined when it has no filter at that depth
 * (ENOENT). Needs CAP_SYS_ADMIN and a tracer that has no filter itself.
 */
export function ptraceSeccompGetFilter(tid: number, index: number): Buffer | undefined {
  const count = syscallNoThrow(NR_ptrace, PTRACE_SECCOMP_GET_FILTER, tid, index, null);
  if (count === -2) return undefined;
  if (count < 0) throw new SyscallError('ptrace', -count);
  const out = Buffer.alloc(count * 8);
  const n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, index, out);
  return out.subarray(0, n * 8);
}

/** The tracee's newest filter (the one stacked last), the kernel's copy; undefined if it has none. */
export function ptraceSeccompGetNewestFilter(tid: number): Buffer | undefined {
  let depth = 0;
  while (syscallNoThrow(NR_ptrace, PTRACE_SECCOMP_GET_FILTER, tid, depth, null) > 0) depth++;
  return depth === 0 ? undefined : ptraceSeccompGetFilter(tid, depth - 1);
}

/** struct ptrace_sud_config: Syscall User Dispatch of a tracee (mode 0: off). */
export interface SyscallUserDispatch {
  readonly raw: Buffer;
  readonly on: boolean;
}

/** The tracee's Syscall User Dispatch; undefined where the kernel lacks the request. */
export function ptraceGetSyscallUserDispatch(tid: number): SyscallUserDispatch | undefined {
  const raw = Buffer.alloc(32);
  const r = syscallNoThrow(NR_ptrace, PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG, tid, 32, raw);
  if (r < 0) return undefined;
  return { raw, on: raw.readBigUInt64LE(0) !== 0n };
}

/** Sets the tracee's Syscall User Dispatch (a value read before, or all zeros: off). */
export function ptraceSetSyscallUserDispatch(tid: number, raw: Buffer): void {
  ptrace(PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG, tid, 32, raw);
}

/** A stop or end of a traced task, as wait4(2) reports it. */
export type TraceeState =
  | { readonly kind: 'exited'; readonly tid: number }
  | { readonly kind: 'syscall'; readonly tid: number }
  /** PTRACE_EVENT_STOP: an interrupt (signal SIGTRAP) or a group stop (the stop signal). */
  | { readonly kind: 'event-stop'; readonly tid: number; readonly signal: number }
  /** A fork, vfork or clone event: the new task's id. */
  | { readonly kind: 'new-task'; readonly tid: number; readonly child: number }
  /** A signal about to be delivered (PTRACE_CONT etc. decide whether it is). */
  | { readonly kind: 'signal'; readonly tid: number; readonly signal: number }
  | { readonly kind: 'other'; readonly tid: number; readonly code: number };

// Made on first use: most runs never wait.
let sleeper: Int32Array | undefined;

/**
 * Waits (waitid, polled) for tracee `tid` to stop or end; undefined when `deadline` (Date.now()
 * milliseconds) passes first. Never waits on any other child of this process, and an ended tracee that
 * is this process's own child (a jail's init) is left for its own waiter to reap.
 */
export function waitTracee(tid: number, deadline: number): TraceeState | undefined {
  let pause = 0;
  for (;;) {
    let seen: WaitidResult;
    try {
      seen = waitid(P_PID, tid, WEXITED | WSTOPPED | __WALL | WNOHANG | WNOWAIT);
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ECHILD) return { kind: 'exited', tid };
      throw e;
    }
    if (seen.pid === tid) {
      if (seen.code === CLD_TRAPPED || seen.code === CLD_STOPPED) {
        const stop = waitid(P_PID, tid, WSTOPPED | __WALL | WNOHANG);
        if (stop.pid === tid) return decodeStop(tid, stop.status);
        continue;
      }
      if (!ownChild(tid)) waitid(P_PID, tid, WEXITED | __WALL | WNOHANG);
      return { kind: 'exited', tid };
    }
    if (Date.now() >= deadline) return undefined;
    sleeper ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleeper, 0, 0, pause);
    pause = Math.min(pause + 1, 10);
  }
}

/** A process (not a thread) whose parent is this process: its parent reaps it, not the tracer. */
function ownChild(tid: number): boolean {
  try {
    return readProcStat(tid)?.ppid === process.pid && isLeader(tid);
  } catch {
    return false;
  }
}

function isLeader(tid: number): boolean {
  const status = readFileSync(`/proc/${tid}/status`, 'utf8');
  return new RegExp(`^Tgid:\\s+${tid}$`, 'm').test(status);
}

/** A ptrace stop's code as waitid reports it: (event << 8) | signal. */
function decodeStop(tid: number, code: number): TraceeState {
  const signal = code & 0xff;
  const event = (code >> 8) & 0xff;
  if (signal === (SIGTRAP | 0x80)) return { kind: 'syscall', tid };
  if (event === PTRACE_EVENT_STOP) return { kind: 'event-stop', tid, signal };
  if (event === PTRACE_EVENT_FORK || event === PTRACE_EVENT_VFORK || event === PTRACE_EVENT_CLONE) {
    return { kind: 'new-task', tid, child: ptraceGetEventMsg(tid) };
  }
  if (event === 0) return { kind: 'signal', tid, signal };
  return { kind: 'other', tid, code };
}
