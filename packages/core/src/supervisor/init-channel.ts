import { read, sendWithFds, write } from '@sysjail/systrace-bindings';

/** The control channel to sysjail-init (see native/sysjail-init.c): fixed header, then payload. */
export interface InitMessage {
  readonly op: string;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly payload?: Uint8Array;
}

const HEADER = 20;
const MAX_PAYLOAD = 16384;
const inBuf = Buffer.alloc(HEADER + MAX_PAYLOAD);

/** Sends a message; `fds` (the 'E' message's stdin, stdout, stderr) go along by SCM_RIGHTS. */
export function sendInitMessage(fd: number, msg: InitMessage, fds?: readonly number[]): void {
  const payload = msg.payload ?? new Uint8Array(0);
  if (payload.length > MAX_PAYLOAD) throw new RangeError('init message payload too large');
  const buf = Buffer.alloc(HEADER + payload.length);
  buf.write(msg.op, 0, 'latin1');
  buf.writeInt32LE(msg.a, 4);
  buf.writeInt32LE(msg.b, 8);
  buf.writeInt32LE(msg.c, 12);
  buf.writeUInt32LE(payload.length, 16);
  buf.set(payload, HEADER);
  if (fds && fds.length > 0) sendWithFds(fd, buf, fds);
  else write(fd, buf);
}

/** Reads one message; undefined at end of file (the init is gone). */
export function receiveInitMessage(fd: number): InitMessage | undefined {
  const n = read(fd, inBuf);
  if (n === 0) return undefined;
  if (n < HEADER) throw new RangeError(`short init message (${n} bytes)`);
  return {
    op: String.fromCharCode(inBuf[0]),
    a: inBuf.readInt32LE(4),
    b: inBuf.readInt32LE(8),
    c: inBuf.readInt32LE(12),
  };
}

/**
 * The init's 'E' payload: u32 argc (bit 31: run under the program loader), u32 envc (~0: the init's
 * own environment), the strings (NUL-terminated), then the working directory ('' for /), then each
 * filter the command stacks before exec (u32 byte length, then the sock_filter[]), in order.
 */
export function encodeExec(
  argv: readonly string[],
  env?: readonly string[],
  cwd = '',
  underLoader = false,
  filters: readonly Uint8Array[] = [],
): Uint8Array {
  const strings = [...argv, ...(env ?? []), cwd].map((a) => `${a}\0`).join('');
  const head = Buffer.alloc(8);
  head.writeUInt32LE((argv.length | (underLoader ? 0x80000000 : 0)) >>> 0, 0);
  head.writeUInt32LE(env ? env.length : 0xffffffff, 4);
  const parts: Buffer[] = [head, Buffer.from(strings, 'utf8')];
  for (const filter of filters) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(filter.byteLength, 0);
    parts.push(len, Buffer.from(filter));
  }
  return Buffer.concat(parts);
}

/** Largest 'E' payload the init takes. */
export const MAX_EXEC_PAYLOAD = 16384;
