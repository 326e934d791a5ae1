/**
 * Stacking a stricter filter on running processes of a jail. A seccomp filter is attached by a task to
 * itself only, so each process is made to attach it (injectSeccompFilter: ptrace from the host) while
 * the jail is frozen for the moment it takes to stop them all: no process of the set can fork a child
 * that would escape it (a child made before its parent stopped is found by the walk, which runs on the
 * frozen jail). The kernel's copy of each installed filter is compared with the compiled one; a process
 * that could not be given the filter, or got another one (its memory was changed by a process sharing
 * it), is killed: a process is either under the stricter filter or gone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import {
  gettid,
  type InjectionHooks,
  injectSeccompFilter,
  PTRACE_O_EXITKILL,
  PTRACE_O_TRACECLONE,
  PTRACE_O_TRACEFORK,
  PTRACE_O_TRACESYSGOOD,
  PTRACE_O_TRACEVFORK,
  ptraceCont,
  ptraceDetach,
  ptraceInterrupt,
  ptraceSeccompGetNewestFilter,
  ptraceSeize,
  SECCOMP_FILTER_FLAG_TSYNC,
  SIGKILL,
  SyscallError,
  SysjailBindingsError,
  syscall,
  sysno,
  threadRuns64BitCode,
  waitTracee,
} from '@sysjail/systrace-bindings';
import { JailSetupError, PrisonConfigError } from '../errors.js';
import type { JailCgroup } from '../net/jail-cgroup.js';

/** What stacking did, by host pid. */
export interface StackResult {
  /** Processes now under the filter (all their threads). */
  readonly moved: readonly number[];
  /** Processes killed because they could not be put under it, with the reason. */
  readonly killed: readonly { readonly pid: number; readonly reason: string }[];
}

export interface StackOptions {
  /**
   * Which processes: one and its descendants (a host pid), or every process of the jail but one (its
   * init: our own child, whose ptrace stops this process's other waiters would take for its end; it runs
   * no jailed code, and what it starts later gets the filter from the exec request).
   */
  readonly target: { readonly pid: number } | { readonly allBut: number };
  /** How long a thread may take to stop (default 1000 ms); one that does not is killed with its process. */
  readonly stopTimeoutMs?: number;
  /** Tests: what a process sharing the memory could do between the write and the kernel's copy. */
  readonly hooks?: InjectionHooks;
}

const SIGTRAP = 5;
const OPTIONS =
  PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;

interface Thread {
  readonly tid: number;
  readonly pid: number;
  /** Seized by us (false: another tracer holds it, or it is gone). */
  seized: boolean;
  /** In an interrupt stop, ready for injection. */
  stopped: boolean;
  /** A job-control stop it was in when we stopped it (sent again after). */
  stopSignal?: number;
  /** Signals that arrived while we held it (sent again after). */
  readonly signals: number[];
  gone: boolean;
}

/**
 * Stacks `filter` (encoded) on the target processes of the jail in `cgroup`. Synchronous: every ptrace
 * request comes from this thread. A target that is not a process of the jail: PrisonConfigError.
 */
export function stackFilter(cgroup: JailCgroup, filter: Uint8Array, options: StackOptions): StackResult {
  const timeout = options.stopTimeoutMs ?? 1000;
  const jailPids = new Set(cgroup.pids());
  const target = options.target;
  if ('pid' in target && !jailPids.has(target.pid)) {
    throw new PrisonConfigError(`pid ${target.pid} is not a process of this jail`);
  }
  const threads = new Map<number, Thread>();
  const killed = new Map<number, string>();
  const kill = (pid: number, reason: string) => {
    if (killed.has(pid)) return;
    killed.set(pid, reason);
    try {
      process.kill(pid, SIGKILL);
    } catch {}
  };

  if (!cgroup.freeze(true)) {
    // A process in an uninterruptible wait: without the whole jail still, a child made during the
    // walk could be missed. Nothing was touched yet.
    cgroup.freeze(false);
    throw new JailSetupError(
      'the jail did not freeze in time (a process in an uninterruptible wait); nothing was changed',
    );
  }
  try {
    // Seize every thread of every target, to a fixed point: the jail is frozen, so the set is stable
    // but for the children our own stops reveal (fork events of a thread that was on its way out).
    for (let round = 0; round < 64; round++) {
      const pids =
        'pid' in target ? descendants(target.pid) : cgroup.pids().filter((p) => p !== target.allBut);
      let added = 0;
      for (const pid of pids) {
        for (const tid of tasks(pid)) {
          if (threads.has(tid)) continue;
          added++;
          const t: Thread = { tid, pid, seized: false, stopped: false, signals: [], gone: false };
          threads.set(tid, t);
          try {
            ptraceSeize(tid, OPTIONS);
            t.seized = true;
            ptraceInterrupt(tid);
          } catch (e) {
            if (e instanceof SyscallError && e.errnoName === 'ESRCH') t.gone = true;
            else if (tracerOf(tid) === gettid()) {
              // Auto-attached to this thread by a fork event not yet read: ours already.
              t.seized = true;
              try {
                ptraceInterrupt(tid);
              } catch {
                t.gone = true;
              }
            } else kill(pid, `cannot trace it (${(e as Error).message}): another tracer holds it`);
          }
        }
      }
      const deadline = Date.now() + timeout;
      for (const t of threads.values()) {
        if (t.seized && !t.stopped && !t.gone) awaitInterruptStop(t, deadline, threads);
      }
      if (added === 0) break;
    }
  } finally {
    cgroup.freeze(false);
  }

  const byPid = new Map<number, Thread[]>();
  for (const t of threads.values()) {
    if (t.gone) continue;
    const list = byPid.get(t.pid) ?? [];
    list.push(t);
    byPid.set(t.pid, list);
  }
  // Refused before anything is changed: a process with no thread in 64-bit code (i386).
  for (const [pid, list] of byPid) {
    if (killed.has(pid) || !list.some((t) => t.stopped)) continue;
    const native = list.filter((t) => t.stopped && runs64Bit(t.tid));
    if (native.length === 0) {
      for (const t of threads.values()) {
        if (!t.seized || t.gone) continue;
        try {
          ptraceDetach(t.tid);
        } catch {}
      }
      throw new PrisonConfigError(
        `pid ${pid} runs 32-bit (i386) code: a filter cannot be injected into it; nothing was changed`,
      );
    }
    list.sort((a, b) => Number(native.includes(b)) - Number(native.includes(a)));
  }
  // A second chance for threads that were blocked (a vfork parent waits for its child, which is ours).
  const late: number[] = [];
  const moved: number[] = [];
  for (const [pid, list] of byPid) {
    if (killed.has(pid)) continue;
    if (!list.some((t) => t.stopped)) {
      late.push(pid);
      continue;
    }
    const reason = stackOn(list, filter, options.hooks);
    if (reason) kill(pid, reason);
    else moved.push(pid);
  }
  release(threads, killed, byPid, moved);
  for (const pid of late) {
    const list = byPid.get(pid) ?? [];
    const deadline = Date.now() + timeout;
    for (const t of list) if (t.seized && !t.stopped && !t.gone) awaitInterruptStop(t, deadline, threads);
    const reason = list.some((t) => t.stopped)
      ? stackOn(list, filter, options.hooks)
      : 'it did not stop in time';
    if (reason) kill(pid, reason);
    else moved.push(pid);
    release(threads, killed, new Map([[pid, list]]), moved);
  }
  return { moved, killed: [...killed].map(([pid, reason]) => ({ pid, reason })) };
}

/**
 * Puts one process under the filter: from one stopped thread with TSYNC (every thread of the process
 * gets it, blocked ones too), else thread by thread. Returns why it failed, or undefined.
 */
function stackOn(list: Thread[], filter: Uint8Array, hooks?: InjectionHooks): string | undefined {
  const stopped = list.filter((t) => t.stopped);
  try {
    const first = injectSeccompFilter(stopped[0].tid, filter, SECCOMP_FILTER_FLAG_TSYNC, hooks);
    stopped[0].signals.push(...first.signals);
    if (first.result > 0) {
      // A thread whose filters are not the caller's (it stacked its own): each thread by itself.
      if (stopped.length !== list.length)
        return `thread ${first.result} cannot be synchronised and did not stop`;
      for (const t of stopped) {
        const r = injectSeccompFilter(t.tid, filter, 0, hooks);
        t.signals.push(...r.signals);
        if (r.result !== 0) return `seccomp(2) failed in thread ${t.tid}: ${r.result}`;
      }
    } else if (first.result < 0) {
      return `seccomp(2) failed: errno ${-first.result}`;
    }
  } catch (e) {
    if (e instanceof SysjailBindingsError && e.code === 'INJECTION_REFUSED') return e.message;
    return `injection failed: ${(e as Error).message}`;
  }
  // The kernel's own copy, in every thread we can ask: anything but the compiled filter on top is a
  // filter another process wrote into this one's memory meanwhile.
  for (const t of stopped) {
    let top: Buffer | undefined;
    try {
      top = ptraceSeccompGetNewestFilter(t.tid);
    } catch (e) {
      return `cannot read the installed filter of thread ${t.tid}: ${(e as Error).message}`;
    }
    if (!top?.equals(filter)) return `the filter installed in thread ${t.tid} is not the one written`;
  }
  return undefined;
}

/** Detaches the threads of these processes and gives them back their stop and its signals. */
function release(
  threads: Map<number, Thread>,
  killed: Map<number, string>,
  byPid: Map<number, Thread[]>,
  moved: number[],
): void {
  for (const [pid, list] of byPid) {
    if (!killed.has(pid) && !moved.includes(pid)) continue;
    // The leader last: its end is reported only once its other threads are reaped.
    for (const t of [...list].sort((a, b) => Number(a.tid === pid) - Number(b.tid === pid))) {
      if (!t.seized || t.gone) continue;
      if (killed.has(pid)) {
        // A traced task that dies waits for its tracer to reap it (and its init cannot end before).
        const deadline = Date.now() + 2000;
        for (;;) {
          const state = waitTracee(t.tid, deadline);
          if (!state || state.kind === 'exited') break;
          try {
            ptraceCont(t.tid);
          } catch {}
        }
        t.seized = false;
        threads.delete(t.tid);
        continue;
      }
      try {
        ptraceDetach(t.tid);
      } catch {}
      t.seized = false;
      threads.delete(t.tid);
      for (const signal of [...t.signals, ...(t.stopSignal ? [t.stopSignal] : [])]) {
        try {
          syscall(sysno.tgkill, t.pid, t.tid, signal);
        } catch {}
      }
    }
  }
}

/** Waits for a seized, interrupted thread's interrupt stop; new tasks its fork events report are noted. */
function awaitInterruptStop(t: Thread, deadline: number, threads: Map<number, Thread>): void {
  for (;;) {
    const state = waitTracee(t.tid, deadline);
    if (!state) return; // blocked: not stopped
    if (state.kind === 'exited') {
      t.gone = true;
      return;
    }
    if (state.kind === 'event-stop') {
      t.stopped = true;
      if (state.signal !== SIGTRAP) t.stopSignal = state.signal;
      return;
    }
    if (state.kind === 'new-task') {
      // Auto-attached with a stop of its own; the walk's next round finds it by its pid.
      if (!threads.has(state.child)) {
        const child: Thread = {
          tid: state.child,
          pid: tgidOf(state.child) ?? state.child,
          seized: true,
          stopped: false,
          signals: [],
          gone: false,
        };
        threads.set(state.child, child);
      }
      ptraceCont(t.tid);
      continue;
    }
    if (state.kind === 'signal') {
      t.signals.push(state.signal);
      ptraceCont(t.tid);
      continue;
    }
    ptraceCont(t.tid);
  }
}

/** The thread tracing a task (TracerPid: the tracing thread's id), 0 if none or gone. */
function tracerOf(tid: number): number {
  try {
    return Number(/^TracerPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A process and every descendant, by /proc/PID/task/TID/children. */
function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    for (const tid of tasks(pid)) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        if (children) queue.push(...children.split(' ').map(Number));
      } catch {}
    }
  }
  return out;
}

function runs64Bit(tid: number): boolean {
  try {
    return threadRuns64BitCode(tid);
  } catch {
    return false;
  }
}

function tasks(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

function tgidOf(tid: number): number | undefined {
  try {
    const m = /^Tgid:\s+(\d+)$/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
