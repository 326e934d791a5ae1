// Stacking a seccomp filter on another, running thread: a filter can only be installed by the task
// itself, so a ptrace-stopped thread is made to call seccomp(2) (as CRIU's parasite code does) and is
// then put back exactly as it was. x86_64 only: the register layout and numbers below are the host's.
import { readFileSync } from 'node:fs';
import { InjectionFailedError, InjectionRefusedError, SysjailBindingsError } from './errors.js';
import { readMemory, writeMemory } from './process-memory.js';
import {
  ptraceCont,
  ptraceGetRegs,
  ptraceGetSyscallUserDispatch,
  ptraceInterrupt,
  ptracePeekData,
  ptracePokeData,
  ptraceSetRegs,
  ptraceSetSyscallUserDispatch,
  ptraceSyscall,
  type TraceeState,
  waitTracee,
} from './ptrace.js';
import { SECCOMP_SET_MODE_FILTER, SOCK_FILTER_SIZE } from './seccomp.js';
import { sysno } from './sysno.js';

/** struct user_regs_struct of x86_64: 27 words; the slots used here. */
const REGS_SIZE = 27 * 8;
const REG = { rax: 10, rdx: 12, rsi: 13, rdi: 14, orig_rax: 15, rip: 16, cs: 17, rsp: 19 } as const;
/** The 64-bit user code segment (__USER_CS); a thread in 32-bit mode runs on __USER32_CS (0x23). */
const USER_CS = 0x33n;
/** The System V red zone below the stack pointer that a leaf function may use. */
const RED_ZONE = 128n;
const SYSCALL_INSN = Buffer.from([0x0f, 0x05]);
const SIGTRAP = 5;
const STOP_SIGNALS = new Set([19, 20, 21, 22]); // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU

const reg = (regs: Buffer, r: keyof typeof REG) => regs.readBigUInt64LE(8 * REG[r]);
const setReg = (regs: Buffer, r: keyof typeof REG, v: bigint) =>
  regs.writeBigUInt64LE(BigInt.asUintN(64, v), 8 * REG[r]);

/** Test hooks: what a process sharing the memory could do between the write and the kernel's copy. */
export interface InjectionHooks {
  /** Called after the filter is written to the thread's memory at `address`, before the call runs. */
  afterWrite?(tid: number, address: bigint, length: number): void;
}

export interface InjectionResult {
  /** The call's return value: 0, a negative errno, or (TSYNC) the id of a thread that could not sync. */
  readonly result: number;
  /** Signals that arrived while the thread ran the call; not delivered (send them again). */
  readonly signals: readonly number[];
}

/** Is the stopped thread running 64-bit code (the only code a filter can be injected into)? */
export function threadRuns64BitCode(tid: number): boolean {
  const regs = Buffer.alloc(REGS_SIZE);
  ptraceGetRegs(tid, regs);
  return reg(regs, 'cs') === USER_CS;
}

/**
 * Makes thread `tid` call seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) with `filter` (encoded struct
 * sock_filter[]), and puts it back: registers, the memory used below its red zone, the instruction
 * poked if its vDSO had none, its Syscall User Dispatch. The thread must be seized (with
 * PTRACE_O_TRACESYSGOOD) and stopped by PTRACE_INTERRUPT; it is left in such a stop again, so a system
 * call it was interrupted in restarts as the kernel would have restarted it.
 *
 * The filter lies in the thread's memory between the write and the kernel's copy; a process sharing
 * that memory can change it. Check the installed filter afterwards (ptraceSeccompGetFilter).
 * InjectionRefusedError: nothing was changed; InjectionFailedError: the thread may be left changed.
 */
export function injectSeccompFilter(
  tid: number,
  filter: Uint8Array,
  flags: number,
  hooks: InjectionHooks = {},
  timeoutMs = 2000,
): InjectionResult {
  if (filter.byteLength === 0 || filter.byteLength % SOCK_FILTER_SIZE !== 0) {
    throw new InjectionRefusedError('not an encoded filter');
  }
  const saved = Buffer.alloc(REGS_SIZE);
  ptraceGetRegs(tid, saved);
  if (reg(saved, 'cs') !== USER_CS) {
    throw new InjectionRefusedError(`thread ${tid} runs 32-bit code (i386): a filter cannot be injected`);
  }
  // struct sock_fprog (16 bytes) and the filter, below the red zone, 16-byte aligned.
  const length = 16 + filter.byteLength;
  const address = (reg(saved, 'rsp') - RED_ZONE - BigInt(length)) & ~15n;
  let original: Buffer;
  try {
    original = readMemory(tid, address, length);
  } catch (e) {
    throw new InjectionRefusedError(`thread ${tid}: its stack cannot be used (${(e as Error).message})`);
  }
  const site = syscallSite(tid, saved);
  const dispatch = ptraceGetSyscallUserDispatch(tid);
  const signals: number[] = [];
  const deadline = Date.now() + timeoutMs;
  let poked: Buffer | undefined;
  try {
    if (dispatch?.on) ptraceSetSyscallUserDispatch(tid, Buffer.alloc(32));
    if (site.poke) {
      poked = ptracePeekData(tid, site.address);
      const word = Buffer.from(poked);
      SYSCALL_INSN.copy(word, 0);
      ptracePokeData(tid, site.address, word);
    }
    const block = Buffer.alloc(length);
    block.writeUInt16LE(filter.byteLength / SOCK_FILTER_SIZE, 0);
    block.writeBigUInt64LE(address + 16n, 8);
    block.set(filter, 16);
    writeMemory(tid, address, block);
    hooks.afterWrite?.(tid, address + 16n, filter.byteLength);

    const regs = Buffer.from(saved);
    setReg(regs, 'rax', BigInt(sysno.seccomp));
    setReg(regs, 'orig_rax', -1n); // not in a system call: nothing to restart when it resumes
    setReg(regs, 'rdi', BigInt(SECCOMP_SET_MODE_FILTER));
    setReg(regs, 'rsi', BigInt(flags));
    setReg(regs, 'rdx', address);
    setReg(regs, 'rip', site.address);
    ptraceSetRegs(tid, regs);

    ptraceSyscall(tid);
    awaitStop(tid, 'syscall', deadline, signals, ptraceSyscall);
    ptraceGetRegs(tid, regs);
    if (reg(regs, 'orig_rax') !== BigInt(sysno.seccomp) || reg(regs, 'rip') !== site.address + 2n) {
      throw new InjectionFailedError(`thread ${tid} did not enter the injected call`);
    }
    ptraceSyscall(tid);
    awaitStop(tid, 'syscall', deadline, signals, ptraceSyscall);
    ptraceGetRegs(tid, regs);
    if (reg(regs, 'rip') !== site.address + 2n) {
      throw new InjectionFailedError(`thread ${tid} did not return from the injected call`);
    }
    const result = Number(BigInt.asIntN(64, reg(regs, 'rax')));
    // Back into an interrupt stop (inside the kernel's signal path, before user mode): the saved
    // registers are restored there, so an interrupted call is restarted exactly as it would have been.
    ptraceInterrupt(tid);
    ptraceCont(tid);
    awaitStop(tid, 'event-stop', deadline, signals, ptraceCont);

    writeMemory(tid, address, original);
    if (poked) ptracePokeData(tid, site.address, poked);
    ptraceSetRegs(tid, saved);
    if (dispatch?.on) ptraceSetSyscallUserDispatch(tid, dispatch.raw);
    return { result, signals };
  } catch (e) {
    if (e instanceof SysjailBindingsError && e.code === 'INJECTION_FAILED') throw e;
    throw new InjectionFailedError(`thread ${tid}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Waits for the stop the injection needs; signals meanwhile are kept (not delivered) and the thread
 * resumed, group stops likewise. Anything else means the thread is not where it must be.
 */
function awaitStop(
  tid: number,
  kind: 'syscall' | 'event-stop',
  deadline: number,
  signals: number[],
  resume: (tid: number) => void,
): void {
  for (;;) {
    const state: TraceeState | undefined = waitTracee(tid, deadline);
    if (!state) throw new InjectionFailedError(`thread ${tid} did not stop in time`);
    if (state.kind === 'exited') throw new InjectionFailedError(`thread ${tid} ended`);
    if (state.kind === 'syscall' && kind === 'syscall') return;
    if (state.kind === 'event-stop' && kind === 'event-stop' && state.signal === SIGTRAP) return;
    if (state.kind === 'signal' || (state.kind === 'event-stop' && STOP_SIGNALS.has(state.signal))) {
      signals.push(state.signal);
      resume(tid);
      continue;
    }
    throw new InjectionFailedError(`thread ${tid}: unexpected stop ${JSON.stringify(state)}`);
  }
}

/**
 * Where the thread can execute `syscall`: two such bytes in its vDSO (read-only to the process unless it
 * changed that itself), else its current instruction, poked for the call and restored after.
 */
function syscallSite(tid: number, regs: Buffer): { address: bigint; poke: boolean } {
  try {
    const maps = readFileSync(`/proc/${tid}/maps`, 'utf8');
    const line = maps.split('\n').find((l) => l.endsWith('[vdso]'));
    if (line) {
      const [start, end] = line
        .split(' ')[0]
        .split('-')
        .map((h) => BigInt(`0x${h}`));
      const text = readMemory(tid, start, Number(end - start));
      const at = text.indexOf(SYSCALL_INSN);
      if (at >= 0) return { address: start + BigInt(at), poke: false };
    }
  } catch {}
  return { address: reg(regs, 'rip'), poke: true };
}
