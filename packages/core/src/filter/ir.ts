/** The filter compiler's output before assembly: seccomp cBPF with symbolic jump targets. */
export type FilterOp =
  | { readonly op: 'label'; readonly name: string }
  /** A = seccomp_data word at byte offset */
  | { readonly op: 'ld'; readonly offset: number }
  | { readonly op: 'and'; readonly k: number }
  /** if (A <cmp> k) goto whenTrue else goto whenFalse */
  | {
      readonly op: 'jump';
      readonly cmp: 'jeq' | 'jgt' | 'jge' | 'jset';
      readonly k: number;
      readonly whenTrue: string;
      readonly whenFalse: string;
    }
  | { readonly op: 'goto'; readonly target: string }
  | { readonly op: 'ret'; readonly k: number };
