// `pnpm exec vitest bench --run src/bpf/interpreter.bench.ts`: one run of a 100-instruction filter, the
// cost the supervisor pays per notification when it re-evaluates the filter.
import { bench, describe } from 'vitest';
import { BpfAssembler } from './assembler.js';
import { AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS } from './constants.js';
import { FilterInterpreter } from './interpreter.js';
import { type SeccompDataInput, seccompDataBytes, seccompDataWords } from './seccomp-data.js';

/** Arch check, then a linear allow-list of 95 numbers: a miss walks all 100 instructions. */
function hundredInstructions(): FilterInterpreter {
  const asm = new BpfAssembler().ldArch().jne(AUDIT_ARCH_X86_64, 'kill').ldNr();
  for (let nr = 0; nr < 95; nr++) asm.jeq(nr * 3, 'allow');
  asm.retErrno(38).bind('allow').ret(SECCOMP_RET_ALLOW).bind('kill').ret(SECCOMP_RET_KILL_PROCESS);
  const program = asm.assemble();
  if (program.length !== 101) throw new Error(`expected 101 instructions, got ${program.length}`);
  return new FilterInterpreter(program);
}

const filter = hundredInstructions();
const data: SeccompDataInput = {
  nr: 1000,
  arch: AUDIT_ARCH_X86_64,
  instructionPointer: 0x7f00_0000_1234n,
  args: [1n, 2n, 0xffff_ffff_ffffn, 4n, 5n, 6n],
};
const words = seccompDataWords(data);
const bytes = seccompDataBytes(data);

describe('FilterInterpreter, 100 instructions executed per run', () => {
  bench('runWords (16 words)', () => {
    filter.runWords(words);
  });
  bench('runBytes (struct seccomp_notif.data)', () => {
    filter.runBytes(bytes);
  });
  bench('run (object with bigint args)', () => {
    filter.run(data);
  });
});
