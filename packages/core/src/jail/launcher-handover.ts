import type { EventEmitter } from 'node:events';
import { SIGKILL, type SpawnedChild } from '@sysjail/systrace-bindings';
import type { FromSupervisor } from '../supervisor/protocol.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** The part of a running jail the handover needs. */
interface HandedOver extends EventEmitter {
  readonly jid: number;
  readonly exited: Promise<unknown>;
  released: boolean;
}

/** Sets the init's parent-death signal and waits for its answer (or the jail's end). */
function setDeathSignal(sup: Supervisor, jail: HandedOver, signal: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => jail.off('supervisor', onMessage);
    const onMessage = (msg: FromSupervisor) => {
      if (msg.type !== 'deathsig') return;
      settle();
      if (msg.errno === 0) resolve();
      else reject(new Error(`the init could not set its parent-death signal (errno ${msg.errno})`));
    };
    jail.on('supervisor', onMessage);
    jail.exited.then(
      () => {
        settle();
        reject(new Error('the jail ended during the handover'));
      },
      () => {},
    );
    sup.send({ type: 'deathsig', jid: jail.jid, signal }).catch((e) => {
      settle();
      reject(e);
    });
  });
}

/**
 * Lets the launcher thread of a running jail go, so that a process hosting many jails does not keep a
 * worker thread (about 10 MB) per jail. The init's parent-death signal is tied to the thread that forked
 * it, so: the init clears it; the thread ends (the kernel makes another thread of this process, the main
 * thread, the init's parent); the supervisor thread takes over reaping; the init sets it again. While it
 * is cleared, the init still dies with this process: EOF on its control channel ends it.
 * Resolves false if the jail ended first (the launcher reported its exit as usual).
 */
export async function releaseLauncher(
  sup: Supervisor,
  jail: HandedOver,
  child: SpawnedChild,
): Promise<boolean> {
  await setDeathSignal(sup, jail, 0);
  if (!(await child.release())) return false;
  jail.released = true;
  await sup.send({ type: 'released', jid: jail.jid });
  await setDeathSignal(sup, jail, SIGKILL);
  return true;
}
