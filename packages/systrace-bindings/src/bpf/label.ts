// A jump target of the assembler: an identity, bound later to a position in the program.

let nextId = 0;

export class BpfLabel {
  /** For messages and disassembly; two labels may share a name and stay distinct. */
  readonly name: string;
  readonly id: number;

  constructor(name?: string) {
    this.id = nextId++;
    this.name = name ?? `L${this.id}`;
  }

  toString(): string {
    return this.name;
  }
}

/** A label, or a name the assembler turns into one label per distinct name. */
export type LabelRef = BpfLabel | string;
