// How a supervisor's files are named and its pid file read, with node:fs only: the hand-off client
// (bundled alone, see handoff-client.ts) finds the supervisor by these too.
import { readFileSync } from 'node:fs';

/** <run dir>/supervisor-<build>: <build> is a hash of the path of the build's supervisor script. */
export function supervisorBase(runDir: string, script: string): string {
  // FNV-1a, 32 bits: two builds installed on one host get two supervisors.
  let h = 0x811c9dc5;
  for (let i = 0; i < script.length; i++) {
    h ^= script.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${runDir}/supervisor-${h.toString(16).padStart(8, '0')}`;
}

/** core's sysjailRunDir, spelt here for the client that loads no core (a test checks they agree). */
export function runDirOf(env: NodeJS.ProcessEnv): string {
  return env.SYSJAIL_RUN_DIR || '/run/sysjail';
}

export interface SupervisorPid {
  readonly pid: number;
  readonly startTime: number;
  readonly socket: string;
  /** The supervisor's proof fd (see supervisor-proof.ts), for the hand-off client. */
  readonly proofFd?: number;
}

export function readSupervisorPid(path: string): SupervisorPid | undefined {
  try {
    const p = JSON.parse(readFileSync(path, 'utf8')) as SupervisorPid;
    return Number.isInteger(p.pid) && typeof p.socket === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}
