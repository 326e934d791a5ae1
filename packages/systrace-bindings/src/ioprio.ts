// I/O scheduling class and priority: ioprio_get(2), ioprio_set(2).
import { syscall2, syscall3 } from './syscall.js';
import { sysno } from './sysno.js';

export const IOPRIO_WHO_PROCESS = 1;
export const IOPRIO_WHO_PGRP = 2;
export const IOPRIO_WHO_USER = 3;

export const IOPRIO_CLASS_NONE = 0;
export const IOPRIO_CLASS_RT = 1;
export const IOPRIO_CLASS_BE = 2;
export const IOPRIO_CLASS_IDLE = 3;
export const IOPRIO_CLASS_SHIFT = 13;

/** ioprio_get(2): the raw value, class << IOPRIO_CLASS_SHIFT | level. `who` 0 is the calling thread. */
export function ioprioGet(which: number, who: number): number {
  return syscall2(sysno.ioprio_get, which, who);
}

/** ioprio_set(2). */
export function ioprioSet(which: number, who: number, ioprio: number): void {
  syscall3(sysno.ioprio_set, which, who, ioprio);
}
