import { SyscallError } from '../errors.js';

/** bpf(BPF_PROG_LOAD) refused a program; `verifierLog` is the kernel verifier's explanation. */
export class EbpfLoadError extends SyscallError {
  readonly program: string;
  readonly verifierLog: string;

  constructor(program: string, errno: number, verifierLog: string) {
    super('bpf', errno);
    this.program = program;
    this.verifierLog = verifierLog;
    this.message = `bpf(BPF_PROG_LOAD) of '${program}': ${this.errnoName} (errno ${errno})\n${verifierLog}`;
  }
}
