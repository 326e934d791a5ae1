// The supervisor's proof: children read the token through /proc/<this process>/fd/<fd> unless a Landlock
// domain keeps them from ptrace access to this process.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { close, F_GETFD, FD_CLOEXEC, fcntl, memfdCreate, pidfdOpen } from '@sysjail/systrace-bindings';
import { afterEach, describe, expect, it } from 'vitest';
import { firstLine, killChildren } from '../integration/children.js';
import { callerMismatch } from './caller-context.js';
import { proofFromLink } from './proof-link.js';
import { SupervisorProof } from './supervisor-proof.js';

const bindings = pathToFileURL(createRequire(import.meta.url).resolve('@sysjail/systrace-bindings')).href;
// the built module, as the client bundle has it (children cannot run TypeScript)
const proofLink = new URL('../../dist/daemon/proof-link.js', import.meta.url).href;

const children: ChildProcess[] = [];
const proofs: SupervisorProof[] = [];
const fds: number[] = [];

afterEach(async () => {
  await killChildren(children);
  for (const p of proofs.splice(0)) p.close();
  for (const fd of fds.splice(0)) close(fd);
});

function proof(): SupervisorProof {
  const p = SupervisorProof.create();
  proofs.push(p);
  return p;
}

/**
 * A node child that runs `setup`, then reads the proof of this process's `fd` with proofFromLink and
 * prints it; it then waits, so that it can be compared with this process.
 */
async function childReading(
  fd: number,
  setup = '',
): Promise<{ token: string | null; pid: number; pidfd: number }> {
  const script = `import * as b from '${bindings}';
import { proofFromLink } from '${proofLink}';
${setup}
process.stdout.write(JSON.stringify({ token: proofFromLink(${process.pid}, ${fd}) ?? null }) + '\\n');
setInterval(() => {}, 1e6);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await firstLine(child);
  const pidfd = pidfdOpen(child.pid as number);
  fds.push(pidfd);
  return { ...(JSON.parse(line) as { token: string | null }), pid: child.pid as number, pidfd };
}

describe('SupervisorProof', () => {
  it('a close-on-exec memfd whose token matches once read through its link; nothing else matches', () => {
    const p = proof();
    expect(fcntl(p.fd, F_GETFD) & FD_CLOEXEC).toBe(FD_CLOEXEC);
    const token = proofFromLink(process.pid, p.fd);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(p.matches(token)).toBe(true);
    expect(p.matches('0'.repeat(32))).toBe(false);
    expect(p.matches(token!.toUpperCase())).toBe(false);
    expect(p.matches(token!.slice(1))).toBe(false);
    expect(p.matches(`${token}0`)).toBe(false);
    expect(p.matches(undefined)).toBe(false);
    expect(p.matches({ toString: () => token })).toBe(false);
    // another supervisor's token
    expect(p.matches(proofFromLink(process.pid, proof().fd))).toBe(false);
    p.close();
    expect(p.fd).toBe(-1);
    expect(p.matches(token)).toBe(false);
    p.close();
  });

  it('proofFromLink: undefined for a descriptor that is not a proof, or none', () => {
    const plain = memfdCreate('sysjail-proof-not-a-token');
    fds.push(plain);
    const longer = memfdCreate(`sysjail-proof-${'a'.repeat(33)}`);
    fds.push(longer);
    expect(proofFromLink(process.pid, plain)).toBeUndefined();
    expect(proofFromLink(process.pid, longer)).toBeUndefined();
    expect(proofFromLink(process.pid, 0)).toBeUndefined();
    expect(proofFromLink(process.pid, 99999)).toBeUndefined();
    expect(proofFromLink(-1, 3)).toBeUndefined();
    expect(proofFromLink(process.pid, 1.5)).toBeUndefined();
  });

  it('a plain child reads the token', async () => {
    const p = proof();
    const child = await childReading(p.fd);
    expect(child.token).not.toBeNull();
    expect(p.matches(child.token)).toBe(true);
  });

  it('a child in a Landlock domain cannot, though /proc shows it equal to this process', async () => {
    const p = proof();
    const child = await childReading(p.fd, 'b.landlockRestrictScopes(b.LANDLOCK_SCOPE_SIGNAL);');
    expect(child.token).toBeNull();
    expect(callerMismatch(child.pid, child.pidfd)).toBeUndefined();
  });

  it('a child in a Landlock domain that handles file system access cannot either', async () => {
    const p = proof();
    const child = await childReading(p.fd, "b.landlockRestrict({ scoped: 0, beneath: '/' });");
    expect(child.token).toBeNull();
  });

  it('it is read by the main thread: a libuv pool thread started before the domain would read it', async () => {
    const p = proof();
    const child = await childReading(
      p.fd,
      `await import('node:fs/promises').then((f) => f.readFile('/proc/self/status')); // starts the pool
      b.landlockRestrictScopes(b.LANDLOCK_SCOPE_SIGNAL);
      const fromPool = await import('node:fs/promises').then((f) => f.readlink('/proc/${process.pid}/fd/${p.fd}'));
      if (!fromPool.includes('sysjail-proof-')) throw new Error('the pool thread read ' + fromPool);`,
    );
    expect(child.token).toBeNull();
  });
});
