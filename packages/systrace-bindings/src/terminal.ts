// Terminals: termios, window sizes, and pseudo-terminals opened in a given devpts instance.
import { SyscallError } from './errors.js';
import { close, ioctl, O_CLOEXEC, O_NOCTTY, O_NONBLOCK, O_RDWR } from './file-descriptors.js';
import { openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS } from './openat2.js';
import { fstat, fstatfs, S_IFCHR, S_IFMT } from './stat.js';
import { syscallNoThrow } from './syscall.js';

const TCGETS = 0x5401;
const TCSETSW = 0x5403;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TIOCSPTLCK = 0x40045431;
const TIOCGPTN = 0x80045430;
const TIOCGPTPEER = 0x5441;
const NR_ioctl = 16;

/** struct termios of the kernel (TCGETS): four flag words, c_line, c_cc[19]. */
export const TERMIOS_SIZE = 36;

export const DEVPTS_SUPER_MAGIC = 0x1cd1;
const PTMX_MAJOR = 5;
const PTMX_MINOR = 2;

/** The terminal modes of fd, or undefined when fd is not a terminal. */
export function terminalModes(fd: number): Buffer | undefined {
  const t = Buffer.alloc(TERMIOS_SIZE);
  return syscallNoThrow(NR_ioctl, fd, TCGETS, t) < 0 ? undefined : t;
}

export function isTerminal(fd: number): boolean {
  return terminalModes(fd) !== undefined;
}

/** Sets the modes after output drains (TCSETSW). */
export function setTerminalModes(fd: number, modes: Uint8Array): void {
  ioctl(fd, TCSETSW, modes);
}

/** cfmakeraw(3) on a copy: no echo, no line editing, no signals from keys, no output processing. */
export function rawModes(modes: Uint8Array): Buffer {
  const t = Buffer.from(modes);
  const IGNBRK = 0o1,
    BRKINT = 0o2,
    PARMRK = 0o10,
    ISTRIP = 0o40,
    INLCR = 0o100,
    IGNCR = 0o200;
  const ICRNL = 0o400,
    IXON = 0o2000,
    OPOST = 0o1,
    ECHO = 0o10,
    ECHONL = 0o100,
    ICANON = 0o2;
  const ISIG = 0o1,
    IEXTEN = 0o100000,
    CSIZE = 0o60,
    PARENB = 0o400,
    CS8 = 0o60;
  const VTIME = 5,
    VMIN = 6,
    CC = 17;
  t.writeUInt32LE(t.readUInt32LE(0) & ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON), 0);
  t.writeUInt32LE(t.readUInt32LE(4) & ~OPOST, 4);
  t.writeUInt32LE((t.readUInt32LE(8) & ~(CSIZE | PARENB)) | CS8, 8);
  t.writeUInt32LE(t.readUInt32LE(12) & ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN), 12);
  t[CC + VMIN] = 1;
  t[CC + VTIME] = 0;
  return t;
}

export interface WindowSize {
  readonly rows: number;
  readonly cols: number;
}

/** The window size of a terminal, or undefined when fd is not one. */
export function windowSize(fd: number): WindowSize | undefined {
  const w = Buffer.alloc(8);
  if (syscallNoThrow(NR_ioctl, fd, TIOCGWINSZ, w) < 0) return undefined;
  return { rows: w.readUInt16LE(0), cols: w.readUInt16LE(2) };
}

export function setWindowSize(fd: number, size: WindowSize): void {
  const w = Buffer.alloc(8);
  w.writeUInt16LE(size.rows, 0);
  w.writeUInt16LE(size.cols, 2);
  ioctl(fd, TIOCSWINSZ, w);
}

export interface PseudoTerminal {
  /** The master side (close-on-exec, non-blocking): ours to relay. */
  readonly master: number;
  /** The terminal side (close-on-exec), opened through the master (TIOCGPTPEER): for the program. */
  readonly terminal: number;
  /** Its number in the devpts instance (/dev/pts/N there). */
  readonly index: number;
}

/**
 * Opens a new pseudo-terminal in the devpts instance mounted at `ptmx` below the directory `rootFd`,
 * resolved inside it without following any link (a jail's root: RESOLVE_IN_ROOT), and checks that what
 * opened is a devpts ptmx before using it.
 */
export function openPseudoTerminal(rootFd: number, ptmx: string): PseudoTerminal {
  const master = openat2(
    rootFd,
    ptmx,
    O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK,
    0,
    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  );
  try {
    const st = fstat(master);
    if (
      (st.mode & S_IFMT) !== S_IFCHR ||
      st.rdevMajor !== PTMX_MAJOR ||
      st.rdevMinor !== PTMX_MINOR ||
      fstatfs(master).type !== DEVPTS_SUPER_MAGIC
    ) {
      throw new SyscallError(`open ${ptmx}: not a devpts ptmx`, 19 /* ENODEV */);
    }
    ioctl(master, TIOCSPTLCK, Buffer.alloc(4));
    const n = Buffer.alloc(4);
    ioctl(master, TIOCGPTN, n);
    const terminal = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    return { master, terminal, index: n.readUInt32LE(0) };
  } catch (e) {
    close(master);
    throw e;
  }
}
