import type { JailExecExit, JailExit } from '@sysjail/core';

/** The command's exit code; 128 + the signal number if a signal killed it (as sh(1)); 0 for a shutdown. */
export function exitStatusOfJail(
  exit: JailExit | JailExecExit,
  signals: Readonly<Record<string, number>>,
): number {
  // core ends a jail shut down by reboot(2) inside with SIGKILL to its init: that is not a failure.
  if (exit.reason === 'shutdown') return 0;
  if (exit.code !== null) return exit.code;
  if (exit.signal === null) return 0;
  return 128 + (signals[exit.signal] ?? 0);
}

/** One stderr line per stage the jail's end could not undo (`tool: STAGE not undone: ERROR`). */
export function undoFailureLines(tool: string, exit: JailExit): string[] {
  return (exit.undoFailures ?? []).map((f) => `${tool}: ${f.stage} not undone: ${f.error.split('\n')[0]}\n`);
}
