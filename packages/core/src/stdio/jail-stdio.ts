// A jailed program's stdio: pipes (and a terminal of the jail's own devpts) that the caller's
// descriptors are relayed through. The jail never holds the caller's files, terminals, sockets or
// directories: jailed root is host root, and with one of those it could chmod a host file, write to
// the host through a directory, connect an inherited socket anywhere, or drive the caller's terminal.
import {
  close,
  F_SETFL,
  F_SETPIPE_SZ,
  fcntl,
  fstat,
  isTerminal,
  O_CLOEXEC,
  O_DIRECTORY,
  O_NONBLOCK,
  O_PATH,
  open,
  openPseudoTerminal,
  type PseudoTerminal,
  pipe2,
  type Relay,
  type RelayPair,
  rawModes,
  S_IFCHR,
  S_IFMT,
  setTerminalModes,
  setWindowSize,
  startRelay,
  terminalModes,
  windowSize,
} from '@sysjail/systrace-bindings';
import { jailDevices } from '../mount/jail-devices.js';

/** 'auto': a terminal when stdin is one; 'force' (-t); 'never' (-T). */
export type TerminalMode = 'auto' | 'force' | 'never';

const PIPE_SIZE = 1 << 20;
/** After a jexec'd command ends, its terminal's output is read until quiet this long. */
const TERMINAL_IDLE_MS = 100;

const [, NULL_MAJOR, NULL_MINOR] = jailDevices.find(([name]) => name === 'null') ?? ['null', 1, 3];

/** A null device (the host's /dev/null or any node of it): what is written there goes nowhere. */
function isNullDevice(fd: number): boolean {
  try {
    const st = fstat(fd);
    return (st.mode & S_IFMT) === S_IFCHR && st.rdevMajor === NULL_MAJOR && st.rdevMinor === NULL_MINOR;
  } catch {
    return false;
  }
}

/** Where the jail's devpts multiplexer is, inside its root. */
export const JAIL_PTMX = 'dev/pts/ptmx';

export class JailStdio {
  /** What the jail gets as stdin, stdout, stderr: pipe ends (ours to close once handed over). */
  readonly jailSide: [number, number, number];
  /** Which of the program's 0, 1, 2 are the terminal (when one is used). */
  readonly onTerminal: readonly [boolean, boolean, boolean];
  /**
   * Which of the caller's 0, 1, 2 are a null device: the command gets the jail's own /dev/null there
   * (init opens it; a fresh description of the jail's node, never the caller's), so output the caller
   * throws away is not relayed. Where the jail has no null device of its own, the relayed pipe stays.
   */
  readonly onNull: readonly [boolean, boolean, boolean];
  private readonly ours: [number, number, number];
  private pty?: PseudoTerminal;
  private relay?: Relay;
  private savedModes?: Buffer;
  private readonly onResize = () => this.resize();
  private readonly onExit = () => this.restoreTerminal();

  /** `host`: the caller's stdin, stdout, stderr (never handed to the jail). */
  constructor(
    private readonly host: readonly [number, number, number],
    mode: TerminalMode,
  ) {
    const useTerminal = mode === 'force' || (mode === 'auto' && isTerminal(host[0]));
    this.onTerminal = useTerminal
      ? [true, mode === 'force' || isTerminal(host[1]), mode === 'force' || isTerminal(host[2])]
      : [false, false, false];
    this.onNull = [0, 1, 2].map((i) => !this.onTerminal[i] && isNullDevice(host[i])) as [
      boolean,
      boolean,
      boolean,
    ];
    const stdin = pipe2(O_CLOEXEC);
    const stdout = pipe2(O_CLOEXEC);
    const stderr = pipe2(O_CLOEXEC);
    for (const fd of [stdin[1], stdout[0], stderr[0]]) {
      fcntl(fd, F_SETFL, O_NONBLOCK); // our ends only: the relay never blocks on them
      try {
        fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
      } catch {}
    }
    this.jailSide = [stdin[0], stdout[1], stderr[1]];
    this.ours = [stdin[1], stdout[0], stderr[0]];
  }

  get usesTerminal(): boolean {
    return this.onTerminal[0];
  }

  /**
   * Opens the program's terminal in the jail's own devpts, below `jailRoot` (a path to the jail's root
   * as this process sees it, such as /proc/PID/root), with the caller's window size. Returns the
   * terminal side, to give the program: the caller closes it once handed over.
   */
  openTerminal(jailRoot: string): number {
    const root = open(jailRoot, O_PATH | O_DIRECTORY | O_CLOEXEC);
    try {
      this.pty = openPseudoTerminal(root, JAIL_PTMX);
    } finally {
      close(root);
    }
    this.resize();
    return this.pty.terminal;
  }

  /** Closes the jail's pipe ends in this process (after the jail has taken its copies). */
  closeJailSide(): void {
    for (const fd of this.jailSide.splice(0)) {
      try {
        close(fd);
      } catch {}
    }
  }

  /** Starts relaying; with a terminal, the caller's terminal goes to raw mode until finish(). */
  start(): void {
    const [in0, out1, out2] = this.host;
    const inputs: RelayPair[] = [];
    const outputs: RelayPair[] = [
      { from: this.ours[1], to: out1 },
      { from: this.ours[2], to: out2 },
    ];
    if (this.pty) {
      // The program's stdin is the terminal: the stdin pipe only serves the init.
      close(this.ours[0]);
      inputs.push({ from: in0, to: this.pty.master, copy: true });
      const screen = this.onTerminal[1] ? out1 : this.onTerminal[2] ? out2 : in0;
      outputs.push({ from: this.pty.master, to: screen, copy: true });
      const modes = terminalModes(in0);
      if (modes) {
        this.savedModes = modes;
        setTerminalModes(in0, rawModes(modes));
        process.on('exit', this.onExit);
      }
      process.on('SIGWINCH', this.onResize);
    } else {
      inputs.push({ from: in0, to: this.ours[0] });
    }
    this.relay = startRelay({ inputs, outputs, idleMs: this.pty ? TERMINAL_IDLE_MS : 0 });
  }

  /**
   * Stops the relay. `untilEnd`: read the outputs to their end (the jail is gone, so is every writer);
   * otherwise what is there now. The caller's terminal gets its modes back.
   */
  async finish(untilEnd: boolean): Promise<void> {
    try {
      if (this.relay) await this.relay.finish(untilEnd);
      else this.discard();
    } finally {
      this.restoreTerminal();
      process.off('SIGWINCH', this.onResize);
    }
  }

  /** Never started (the jail failed to start): closes everything of ours. */
  discard(): void {
    this.closeJailSide();
    if (this.relay) return void this.relay.finish(false);
    for (const fd of [...this.ours.splice(0), ...(this.pty ? [this.pty.master] : [])]) {
      try {
        close(fd);
      } catch {}
    }
  }

  /** The caller's window size onto the program's terminal (which signals the program). */
  resize(size = windowSize(this.host[0]) ?? windowSize(this.host[1])): void {
    if (!this.pty || !size) return;
    try {
      setWindowSize(this.pty.master, size);
    } catch {}
  }

  private restoreTerminal(): void {
    if (!this.savedModes) return;
    try {
      setTerminalModes(this.host[0], this.savedModes);
    } catch {}
    this.savedModes = undefined;
    process.off('exit', this.onExit);
  }
}
