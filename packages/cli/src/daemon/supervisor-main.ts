// Entry of the shared supervisor process (started detached by the first client that finds none).
// Claims the pid file under its lock (a second supervisor of the same build exits at once), removes
// what a killed predecessor left (its socket; the registry heals dead records, core removes dead
// cgroups), listens, and says "ready" on the fd the client gave it.
import { closeSync, mkdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { openRegistry, processStartTime } from '@sysjail/core';
import { withLockFile } from '@sysjail/core/internals';
import { installedEmulations } from '../emulations.js';
import { READY_FD_ENV } from './ready-fd.js';
import { removeStaleCounters } from './stale-state.js';
import { SupervisorDaemon } from './supervisor-daemon.js';
import { liveSupervisor, supervisorFiles } from './supervisor-files.js';
import { SupervisorProof } from './supervisor-proof.js';

function report(fd: number | undefined, word: string): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, `${word}\n`);
    closeSync(fd);
  } catch {}
}

async function main(): Promise<void> {
  process.title = 'sysjail-supervisor';
  const readyFd = process.env[READY_FD_ENV] === undefined ? undefined : Number(process.env[READY_FD_ENV]);
  delete process.env[READY_FD_ENV];
  const files = supervisorFiles();
  mkdirSync(files.runDir, { recursive: true, mode: 0o755 });
  // What a hand-off client reads to show it is not confined apart from this process (its fd in the pid file).
  const proof = SupervisorProof.create();
  // Its lock file is there only while held: nothing of the supervisor is left once it has exited.
  const claimed = withLockFile(
    files.lock,
    () => {
      if (liveSupervisor(files)) return false;
      try {
        unlinkSync(files.socket); // a killed predecessor's
      } catch {}
      const me = {
        pid: process.pid,
        startTime: processStartTime(process.pid),
        socket: files.socket,
        proofFd: proof.fd,
      };
      writeFileSync(files.pidFile, `${JSON.stringify(me)}\n`, { mode: 0o644 });
      return true;
    },
    { remove: true },
  );
  if (!claimed) {
    report(readyFd, 'running');
    return;
  }
  const registry = openRegistry();
  registry.list(); // drops the records of dead supervisors' jails
  removeStaleCounters(registry);
  const done = () => {
    try {
      daemon.close();
      withLockFile(files.lock, () => unlinkSync(files.pidFile), { remove: true });
    } catch {} // the run directory is gone: nothing to tidy
    process.exit(0);
  };
  const daemon = new SupervisorDaemon({
    socket: files.socket,
    emulations: await installedEmulations(),
    registry,
    proof,
    onIdle: done,
  });
  await daemon.listen();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      daemon.close();
      void daemon.stopAll().then(done);
    });
  }
  process.on('SIGHUP', () => {});
  // A failure in the service of one jail or request must not take the others down with the process.
  process.on('uncaughtException', (e) => {
    process.stderr.write(`sysjail-supervisor: ${new Date().toISOString()} ${e?.stack ?? e}\n`);
  });
  report(readyFd, 'ready');
}

main().catch((e: unknown) => {
  process.stderr.write(`sysjail-supervisor: ${(e as Error)?.message ?? e}\n`);
  process.exit(1);
});
