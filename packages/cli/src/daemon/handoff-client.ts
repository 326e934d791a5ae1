// The hand-off client: jail(8) and sysjail(1), started for a jail of a command, ask the running shared
// supervisor to start and keep that jail for them instead of loading the jail code themselves. Bundled
// alone (dist/bundle/handoff.cjs) and run by the tool's launcher before anything else: node's own modules
// only (line-connection.ts). The supervisor takes the jail only when this process could not have started
// it differently itself (see run-handoff.ts); anything else, and no supervisor, is `startItself()`.
import { writeSync } from 'node:fs';
import { connectLines } from './line-connection.js';
import { proofFromLink } from './proof-link.js';
import { FORWARDED_SIGNALS, MAX_MESSAGE, type RunReply, type RunRequest } from './protocol.js';
import { readSupervisorPid, runDirOf, type SupervisorPid, supervisorBase } from './supervisor-name.js';

/** Arguments the tool answers without any jail: never worth a connection. */
const OWN = new Set(['--help', '-h', '--version']);

/** The running supervisor of this build, as its pid file names it (with its proof's fd). */
function supervisorOf(
  env: NodeJS.ProcessEnv,
  script: string,
): (SupervisorPid & { readonly proofFd: number }) | undefined {
  const p = readSupervisorPid(`${supervisorBase(runDirOf(env), script)}.pid`);
  return p !== undefined && Number.isInteger(p.proofFd)
    ? (p as SupervisorPid & { proofFd: number })
    : undefined;
}

/**
 * Hands the jail of `argv` to the supervisor of the build whose supervisor script is `script`, and ends
 * the process with the jail's status; or calls `startItself` when there is no supervisor or it gives the
 * jail back (nothing was started).
 */
export function handOff(
  tool: RunRequest['tool'],
  argv: readonly string[],
  script: string,
  startItself: () => void,
): void {
  const env = process.env;
  const supervisor = argv.length === 0 || OWN.has(argv[0]) ? undefined : supervisorOf(env, script);
  const proof = supervisor && proofFromLink(supervisor.pid, supervisor.proofFd);
  if (!supervisor || proof === undefined) {
    if (supervisor && env.SYSJAIL_DEBUG)
      writeSync(2, `${tool}: starting the jail here: the supervisor's proof cannot be read\n`);
    startItself();
    return;
  }
  let accepted = false;
  let ended = false;
  /** The signals passed on: this process's own if the supervisor gives the jail back (nothing started). */
  const passedOn = new Set<NodeJS.Signals>();
  const end = (status: number, err?: string) => {
    ended = true;
    if (err) writeSync(2, err);
    process.exit(status);
  };
  const giveBack = (why: string) => {
    if (ended) return;
    ended = true;
    if (env.SYSJAIL_DEBUG) writeSync(2, `${tool}: starting the jail here, not in the supervisor: ${why}\n`);
    for (const sig of FORWARDED_SIGNALS) process.off(sig, onSignal);
    conn.destroy();
    // Nothing was started: a signal that came meanwhile is this process's, as if it had come before
    // any supervisor was asked (their default action ends it before it starts the jail).
    for (const sig of passedOn) process.kill(process.pid, sig);
    startItself();
  };
  const request: RunRequest = { op: 'run', tool, argv, env: env as Record<string, string>, proof };
  const conn = connectLines(supervisor.socket, MAX_MESSAGE, `${JSON.stringify(request)}\n`, {
    line(text) {
      if (ended) return;
      let reply: RunReply;
      try {
        reply = JSON.parse(text) as RunReply;
      } catch {
        reply = accepted
          ? { failed: 'the sysjail supervisor gave a malformed reply', status: 1 }
          : { back: 'a malformed reply' };
      }
      if ('back' in reply) giveBack(reply.back);
      else if ('accepted' in reply) accepted = true;
      else if ('started' in reply) {
        if (reply.stdout) writeSync(1, reply.stdout);
      } else if ('failed' in reply) end(reply.status, `${tool}: ${reply.failed}\n`);
      else if ('exit' in reply) end(reply.exit, reply.stderr);
    },
    close() {
      if (ended) return;
      // Before `accepted` nothing was started: the jail is this process's to start. After, the
      // supervisor's end ended the jail too.
      if (!accepted) giveBack('the supervisor closed the connection');
      else end(1, `${tool}: the sysjail supervisor ended before the jail\n`);
    },
  });
  const onSignal = (signal: NodeJS.Signals) => {
    passedOn.add(signal);
    conn.write(`${JSON.stringify({ signal })}\n`);
  };
  for (const sig of FORWARDED_SIGNALS) process.on(sig, onSignal);
}
