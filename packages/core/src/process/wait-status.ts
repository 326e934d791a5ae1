import { constants } from 'node:os';

let signalNames: Map<number, string> | undefined;

/** The name of a signal number (SIGKILL), or SIG<n> for one Node does not name. */
export function signalName(n: number): string {
  signalNames ??= new Map(Object.entries(constants.signals).map(([name, n]) => [n as number, name]));
  return signalNames.get(n) ?? `SIG${n}`;
}

/** A wait(2) status as an exit code or a signal name (one of the two is null). */
export function decodeWaitStatus(status: number): { code: number | null; signal: string | null } {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null };
  return { code: null, signal: signalName(sig) };
}
