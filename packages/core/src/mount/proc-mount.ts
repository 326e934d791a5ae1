// What of a jail's own /proc reaches the host, and is made read-only or covered in it (the jail's setup
// ops, jail/setup-ops.ts, mount its procfs and apply these).

/** /proc entries that reach the host: read-only in a jail (docker's readonly paths). */
export const readOnlyProcPaths = ['sys', 'sysrq-trigger', 'bus', 'fs', 'irq'];
/** /proc files that leak the host: covered with /dev/null. */
export const maskedProcFiles = ['kcore', 'keys', 'timer_list', 'sched_debug', 'latency_stats'];
