import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_ARCH_X86_64, BPF_JA, BPF_JMP } from './constants.js';
import { decode, encode } from './encoding.js';
import { FilterInterpreter } from './interpreter.js';
import { seccompDataWords } from './seccomp-data.js';
import {
  assembleTree,
  evaluateTree,
  inputsArbitrary,
  type TreeOptions,
  treeArbitrary,
} from './testing/decision-tree.js';

const options: TreeOptions = { nrBase: 1000, nrCount: 8, divX: true, avoidErrno: -1, maxPad: 400 };

describe('random decision trees: assembler + interpreter (compiled and interpreted) agree with direct evaluation', () => {
  it('agrees on every input, through encode/decode', () => {
    let trampolines = 0;
    fc.assert(
      fc.property(
        treeArbitrary(fc, options).chain((tree) =>
          fc.tuple(fc.constant(tree), inputsArbitrary(fc, tree, options, AUDIT_ARCH_X86_64, 12, true)),
        ),
        ([tree, inputs]) => {
          const program = decode(encode(assembleTree(tree, options)));
          trampolines += program.filter((i) => i.code === (BPF_JMP | BPF_JA)).length;
          const filter = new FilterInterpreter(program);
          expect(filter.compiled).toBe(true);
          for (const data of inputs) {
            const want = evaluateTree(tree, options, data);
            expect(filter.run(data)).toBe(want);
            expect(filter.interpretWords(seccompDataWords(data))).toBe(want);
          }
        },
      ),
      { numRuns: 1500 },
    );
    // Shared returns and long pads must have produced JA jumps (trampolines among them).
    expect(trampolines).toBeGreaterThan(0);
  });
});
