/** How to take back what one start stage did. */
export type Undo = () => void | Promise<void>;

/**
 * The one undo path of a jail: every start stage pushes its undo here; a failed start and a jail's end
 * both run them, last first, once. An undo pushed after the run is run at once (the jail ended while it
 * was still starting). Errors of one undo do not stop the others.
 */
export class Teardown {
  private readonly undos: { stage: string; undo: Undo }[] = [];
  private running: Promise<void> | undefined;

  push(stage: string, undo: Undo): void {
    if (this.running) {
      this.running = this.running.then(() => quietly(undo));
      return;
    }
    this.undos.push({ stage, undo });
  }

  /** Undoes every stage (last first); later calls wait for the same run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { undo } of this.undos.reverse()) await quietly(undo);
      this.undos.length = 0;
    })();
    return this.running;
  }

  /** The stages that have something to undo, in start order (for tests and traces). */
  stages(): string[] {
    return this.undos.map((u) => u.stage);
  }
}

async function quietly(undo: Undo): Promise<void> {
  try {
    await undo();
  } catch {}
}
