/**
 * Vitest setup: the pool ends a test file's process with SIGTERM, which by default skips the 'exit'
 * handlers; exiting instead lets them run, so a prewarmed engine removes its warm cgroup
 * (keepAddressHooksOn) rather than leaving it for the next engine's stale cleanup.
 */
process.once('SIGTERM', () => process.exit(128 + 15));
