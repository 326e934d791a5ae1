/**
 * A caller's terminal for tests: a pseudo-terminal of the host's devpts whose terminal side is a tool's
 * stdio, driven from its master as a user at a keyboard would.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import {
  close,
  O_CLOEXEC,
  O_DIRECTORY,
  O_PATH,
  open,
  openPseudoTerminal,
  type PseudoTerminal,
  read,
  setWindowSize,
  type WindowSize,
  write,
} from '@sysjail/systrace-bindings';

export class TerminalDriver {
  readonly pty: PseudoTerminal;
  private screen = '';
  private readonly timer: NodeJS.Timeout;

  constructor(size: WindowSize = { rows: 24, cols: 80 }) {
    const root = open('/', O_PATH | O_DIRECTORY | O_CLOEXEC);
    try {
      this.pty = openPseudoTerminal(root, 'dev/pts/ptmx');
    } finally {
      close(root);
    }
    setWindowSize(this.pty.master, size);
    const buf = Buffer.alloc(4096);
    this.timer = setInterval(() => {
      for (;;) {
        let n = 0;
        try {
          n = read(this.pty.master, buf);
        } catch {}
        if (n <= 0) break;
        this.screen += buf.subarray(0, n).toString('latin1');
      }
    }, 10);
  }

  /** The terminal side (for stdio). */
  get terminal(): number {
    return this.pty.terminal;
  }

  /** Runs node `script` with the terminal as the stdio entries marked 't'. */
  run(
    script: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    stdio: readonly ('t' | 'pipe' | number)[] = ['t', 't', 't'],
  ): ChildProcess {
    const io = stdio.map((s) => (s === 't' ? this.pty.terminal : s)) as StdioOptions;
    return spawn(process.execPath, [script, ...args], { env, stdio: io });
  }

  type(text: string): void {
    write(this.pty.master, Buffer.from(text, 'latin1'));
  }

  resize(size: WindowSize): void {
    setWindowSize(this.pty.master, size);
  }

  /** Everything shown so far. */
  shown(): string {
    return this.screen;
  }

  /** Resolves once what was shown after `from` matches. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.screen.slice(from);
      if (pattern.test(seen)) return seen;
      if (Date.now() > deadline) throw new Error(`no ${pattern} on the terminal: ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const fd of [this.pty.master, this.pty.terminal]) {
      try {
        close(fd);
      } catch {}
    }
  }
}
