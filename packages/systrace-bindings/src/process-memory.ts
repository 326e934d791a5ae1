// Another process's memory: process_vm_readv/process_vm_writev (needs ptrace access to the target).
import { CStringTooLongError, ShortTransferError } from './errors.js';
import { addressOf } from './libc.js';
import { syscall6 } from './syscall.js';
import { sysno } from './sysno.js';

export const PAGE_SIZE = 4096;

// One local and one remote struct iovec, reused (JS runs one call at a time per thread).
const localIov = Buffer.alloc(16);
const remoteIov = Buffer.alloc(16);

function transfer(nr: number, pid: number, local: Uint8Array, addr: bigint, len: number): number {
  if (len === 0) return 0;
  localIov.writeBigUInt64LE(addressOf(local), 0);
  localIov.writeBigUInt64LE(BigInt(len), 8);
  remoteIov.writeBigUInt64LE(addr, 0);
  remoteIov.writeBigUInt64LE(BigInt(len), 8);
  return syscall6(nr, pid, localIov, 1, remoteIov, 1, 0);
}

/** process_vm_readv into `into` (its first `len` bytes); returns the bytes read (may be short). */
export function processVmReadv(pid: number, addr: bigint, into: Uint8Array, len = into.byteLength): number {
  return transfer(sysno.process_vm_readv, pid, into, addr, len);
}

/** process_vm_writev from `from`; returns the bytes written (may be short). */
export function processVmWritev(pid: number, addr: bigint, from: Uint8Array, len = from.byteLength): number {
  return transfer(sysno.process_vm_writev, pid, from, addr, len);
}

/** Exactly `len` bytes at `addr` of `pid`; SyscallError (EFAULT, ESRCH ...) or ShortTransferError. */
export function readMemory(pid: number, addr: bigint, len: number): Buffer {
  const buf = Buffer.alloc(len);
  const n = processVmReadv(pid, addr, buf, len);
  if (n !== len) throw new ShortTransferError('process_vm_readv', len, n);
  return buf;
}

/** Writes all of `data` at `addr` of `pid`. */
export function writeMemory(pid: number, addr: bigint, data: Uint8Array): void {
  const n = processVmWritev(pid, addr, data);
  if (n !== data.byteLength) throw new ShortTransferError('process_vm_writev', data.byteLength, n);
}

/**
 * The bytes of the NUL-terminated string at `addr` of `pid` (without the NUL), reading at most `max`
 * bytes page chunk by page chunk: it never touches the page after the one holding the NUL, so a string
 * ending just before an unmapped page reads fine. Throws CStringTooLongError without a NUL in `max`.
 */
export function readCString(pid: number, addr: bigint, max = PAGE_SIZE): Buffer {
  const out = Buffer.alloc(max);
  let got = 0;
  while (got < max) {
    const here = addr + BigInt(got);
    const toPageEnd = PAGE_SIZE - Number(here % BigInt(PAGE_SIZE));
    const chunk = Math.min(toPageEnd, max - got);
    const n = processVmReadv(pid, here, out.subarray(got), chunk);
    if (n !== chunk) throw new ShortTransferError('process_vm_readv', chunk, n);
    const nul = out.indexOf(0, got);
    if (nul >= 0 && nul < got + chunk) return out.subarray(0, nul);
    got += chunk;
  }
  throw new CStringTooLongError(max);
}
