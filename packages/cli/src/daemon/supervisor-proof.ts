// The supervisor's proof that a client is not ptrace-restricted from it. The supervisor keeps a
// close-on-exec memfd whose name carries a random token; a client reads it as the link of
// /proc/<supervisor>/fd/<fd> (proof-link.ts), which needs PTRACE_MODE_READ access to the supervisor.
// Landlock, Yama and the other LSMs refuse that to a process confined more than the supervisor, and a
// Landlock domain shows nowhere in /proc, so the token is what tells such a client apart.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { close, MFD_CLOEXEC, memfdCreate } from '@sysjail/systrace-bindings';
import { PROOF_NAME_PREFIX, PROOF_TOKEN_HEX } from './proof-link.js';

export class SupervisorProof {
  #fd: number;
  readonly #token: Buffer;

  private constructor(fd: number, token: Buffer) {
    this.#fd = fd;
    this.#token = token;
  }

  static create(): SupervisorProof {
    const token = randomBytes(PROOF_TOKEN_HEX / 2).toString('hex');
    return new SupervisorProof(
      memfdCreate(`${PROOF_NAME_PREFIX}${token}`, MFD_CLOEXEC),
      Buffer.from(token, 'latin1'),
    );
  }

  /** The memfd (-1 once closed). */
  get fd(): number {
    return this.#fd;
  }

  /** Whether a client sent this supervisor's token (compared in constant time). */
  matches(token: unknown): boolean {
    if (this.#fd < 0 || typeof token !== 'string' || token.length !== this.#token.length) return false;
    const sent = Buffer.from(token, 'latin1');
    return sent.length === this.#token.length && timingSafeEqual(sent, this.#token);
  }

  close(): void {
    if (this.#fd < 0) return;
    close(this.#fd);
    this.#fd = -1;
  }
}
