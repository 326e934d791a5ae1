/** How to take back what one start stage did. */
export type Undo = () => void | Promise<void>;

/** An undo that threw: what it left of its stage (a cgroup still populated, a mount still busy...). */
export interface UndoFailure {
  readonly stage: string;
  readonly error: string;
}

/**
 * The one undo path of a jail: every start stage pushes its undo here; a failed start and a jail's end
 * both run them, last first, once. An undo pushed after the run is run at once (the jail ended while it
 * was still starting). Errors of one undo do not stop the others; they are kept, for the jail's end to
 * report.
 */
export class Teardown {
  private readonly undos: { stage: string; undo: Undo }[] = [];
  private readonly failed: UndoFailure[] = [];
  private running: Promise<void> | undefined;

  push(stage: string, undo: Undo): void {
    if (this.running) {
      this.running = this.running.then(() => this.quietly(stage, undo));
      return;
    }
    this.undos.push({ stage, undo });
  }

  /** Undoes every stage (last first); later calls wait for the same run. Resolves with the failed undos. */
  async run(): Promise<readonly UndoFailure[]> {
    this.running ??= (async () => {
      for (const { stage, undo } of this.undos.reverse()) await this.quietly(stage, undo);
      this.undos.length = 0;
    })();
    await this.running;
    return [...this.failed];
  }

  /** The stages that have something to undo, in start order (for tests and traces). */
  stages(): string[] {
    return this.undos.map((u) => u.stage);
  }

  private async quietly(stage: string, undo: Undo): Promise<void> {
    try {
      await undo();
    } catch (e) {
      this.failed.push({ stage, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
