// The setup program: a launch request and its setup ops encoded for the native launcher
// (native/sysjail-launch.c), which decodes it before the clone and performs it in the child.
//
// Encoding (little-endian; every item 4-byte aligned):
//   program := u32 magic 0x314c4a53 ("SJL1") · u32 record count · spawn record · one record per op
//   record  := u32 code · u32 field count · fields
//   field   := u32 kind · value
//     kind 1 int:    u64 (negative numbers as two's complement)
//     kind 2 string: u32 length · the UTF-8 bytes (no NUL among them) · NUL · zero padding to 4
//     kind 3 null:   nothing
//     kind 4 bytes:  as a string, any bytes
//   spawn record (code 0): int clone flags · int cgroup fd (-1: none) · int parent-death signal (0: none)
//     · int exec fd (-1: exec the path) · int vm (1: vfork-style child, 0: fork-style) · path|null · cwd|null
//     · int argc · argc strings · int envc · envc strings ("K=V") · int n · n ints (fd i of the child is
//     the caller's fd stdio[i])
//   op records: OP_CODES below; fields as `opFields` writes them (the C side checks each op's shape).
import { capMask } from '../capabilities.js';
import { InvalidArgumentError } from '../errors.js';
import { landlockAbiVersion, landlockFsAccess } from '../landlock.js';
import { MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID } from '../mount-api.js';
import type { SetupOp } from './setup-op.js';

export const SETUP_PROGRAM_MAGIC = 0x314c4a53;

/** Record codes; the C side's enum code names them alike (its describe output says the name). */
export const RECORD_CODES = {
  spawn: 0,
  unshare: 1,
  mount: 2,
  mountProc: 3,
  bindInRoot: 4,
  tmpfsInRoot: 5,
  umount2: 6,
  sethostname: 7,
  setdomainname: 8,
  pivotRoot: 9,
  chdir: 10,
  fchdir: 11,
  chroot: 12,
  mkdir: 13,
  mknod: 14,
  symlink: 15,
  dropBoundingSet: 16,
  setCapabilities: 17,
  noNewPrivs: 18,
  landlock: 19,
  seccomp: 20,
} as const;

export type RecordName = keyof typeof RECORD_CODES;

/** A field of a record: an integer, a string, null, or bytes. */
export type Field = number | bigint | string | null | Uint8Array;

/** What the native launcher starts: clone3 flags and cgroup, the setup ops, what to exec. */
export interface LaunchRequest {
  /** Namespace flags (CLONE_NEW*) for clone3: the child is born in them (PID 1 of a new PID namespace). */
  namespaces: number;
  /** An fd of a cgroup2 directory: the child is born in that cgroup (CLONE_INTO_CGROUP). */
  cgroupFd?: number;
  /** The child's parent-death signal (fires when the calling thread ends). */
  deathSignal?: number;
  /** Run in the child, in order, between clone and exec. */
  setup: readonly SetupOp[];
  /** An absolute path, or an fd to exec (execveat AT_EMPTY_PATH: a sealed memfd needs no /proc). */
  command: string | { fd: number };
  argv0?: string;
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Working directory of the child, after the setup (inside its new root). */
  cwd?: string;
  /** Fd i of the child is the caller's fd stdio[i]; every other fd is closed at exec. */
  stdio: readonly number[];
  /** A fork-style child (copies the page tables) instead of the vfork-style one: for the bench. */
  copyMemory?: boolean;
}

const DEFAULT_PROC_ATTRS = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

function pairs(options: Readonly<Record<string, string | true>> | undefined): Field[] {
  return Object.entries(options ?? {}).flatMap(([k, v]) => [k, v === true ? null : v]);
}

/** An op as the record the C side performs: its name there and its fields. */
export function opRecord(op: SetupOp): [RecordName, Field[]] {
  if (op.afterSpawn) {
    throw new InvalidArgumentError(`setup op '${op.op}': afterSpawn has no meaning in the native launcher`);
  }
  switch (op.op) {
    case 'unshare':
      return ['unshare', [op.flags]];
    case 'mount':
      return ['mount', [op.source, op.target, op.fstype, op.flags, op.data ?? null]];
    case 'mountProc':
      return ['mountProc', [op.target, op.attrs ?? DEFAULT_PROC_ATTRS, ...pairs(op.options)]];
    case 'bindInRoot':
      return ['bindInRoot', [op.source, op.root, op.target, op.readonly ? 1 : 0]];
    case 'tmpfsInRoot':
      return ['tmpfsInRoot', [op.root, op.target, op.readonly ? 1 : 0, ...pairs(op.options)]];
    case 'umount2':
      return ['umount2', [op.target, op.flags ?? 0]];
    case 'sethostname':
      return ['sethostname', [op.name]];
    case 'setdomainname':
      return ['setdomainname', [op.name]];
    case 'pivotRoot':
      return ['pivotRoot', [op.newRoot, op.putOld]];
    case 'chdir':
      return ['chdir', [op.path]];
    case 'fchdir':
      return ['fchdir', [op.fd]];
    case 'chroot':
      return ['chroot', [op.path]];
    case 'mkdir':
      return ['mkdir', [op.path, op.mode ?? 0o755]];
    case 'mknod':
      return ['mknod', [op.path, op.mode, op.major, op.minor]];
    case 'symlink':
      return ['symlink', [op.target, op.path]];
    case 'dropBoundingSet':
      return ['dropBoundingSet', [capMask(op.keep)]];
    case 'setCapabilities':
      return ['setCapabilities', [capMask(op.effective), capMask(op.permitted), capMask(op.inheritable)]];
    case 'noNewPrivs':
      return ['noNewPrivs', []];
    case 'landlockScope':
      return ['landlock', [0, op.scoped, null, 0]];
    case 'landlock':
      return [
        'landlock',
        [landlockFsAccess(landlockAbiVersion()), op.scoped, op.beneath, op.subdirectoryRules ?? 0],
      ];
    case 'seccomp':
      return ['seccomp', [op.flags ?? 0, op.filter]];
    default: {
      const never: never = op;
      throw new InvalidArgumentError(`unknown setup op ${(never as { op: string }).op}`);
    }
  }
}

/** The spawn record's fields. */
export function spawnFields(r: LaunchRequest): Field[] {
  const exec = typeof r.command === 'string' ? { fd: -1, path: r.command } : { fd: r.command.fd, path: null };
  const argv = [r.argv0 ?? (typeof r.command === 'string' ? r.command : 'exec'), ...(r.args ?? [])];
  const env = Object.entries(r.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return [
    r.namespaces,
    r.cgroupFd ?? -1,
    r.deathSignal ?? 0,
    exec.fd,
    r.copyMemory ? 0 : 1,
    exec.path,
    r.cwd ?? null,
    argv.length,
    ...argv,
    env.length,
    ...env,
    r.stdio.length,
    ...r.stdio,
  ];
}

/** Bytes a field takes (its kind included). */
function fieldSize(f: Field): number {
  if (f === null) return 4;
  if (typeof f === 'number' || typeof f === 'bigint') return 12;
  const n = typeof f === 'string' ? Buffer.byteLength(f, 'utf8') : f.length;
  return 8 + ((n + 1 + 3) & ~3);
}

/** Writes into a buffer sized exactly beforehand (every item 4-byte aligned: 32-bit writes only). */
class Writer {
  readonly buf: Buffer;
  private readonly view: DataView;
  private at = 0;

  constructor(size: number) {
    this.buf = Buffer.alloc(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, size);
  }

  u32(v: number): void {
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
  }

  /** u64: a number as two 32-bit halves (negative numbers as two's complement), a bigint modulo 2^64. */
  int(f: number | bigint): void {
    if (typeof f === 'number') {
      if (!Number.isSafeInteger(f)) {
        if (!Number.isInteger(f)) throw new InvalidArgumentError(`${f}: not an integer`);
        this.int(BigInt(f));
        return;
      }
      this.u32(f % 0x1_0000_0000);
      this.u32(Math.floor(f / 0x1_0000_0000));
      return;
    }
    this.view.setBigUint64(this.at, BigInt.asUintN(64, f), true);
    this.at += 8;
  }

  /** Length, bytes, a NUL and zero padding to 4 (Buffer.alloc zeroed them). */
  text(f: string | Uint8Array): void {
    if (typeof f === 'string') {
      if (f.includes('\0')) throw new InvalidArgumentError(`${JSON.stringify(f)}: a NUL in a string`);
      const n = this.buf.write(f, this.at + 4, 'utf8');
      this.u32(n);
      this.at += (n + 1 + 3) & ~3;
    } else {
      this.u32(f.length);
      this.buf.set(f, this.at);
      this.at += (f.length + 1 + 3) & ~3;
    }
  }

  field(f: Field): void {
    if (f === null) {
      this.u32(3);
    } else if (typeof f === 'number' || typeof f === 'bigint') {
      this.u32(1);
      this.int(f);
    } else if (typeof f === 'string') {
      this.u32(2);
      this.text(f);
    } else {
      this.u32(4);
      this.text(f);
    }
  }

  record(code: number, fields: readonly Field[]): void {
    this.u32(code);
    this.u32(fields.length);
    for (const f of fields) this.field(f);
  }

  done(): Uint8Array {
    if (this.at !== this.buf.length)
      throw new Error(`setup program: ${this.at} of ${this.buf.length} bytes written`);
    return this.buf;
  }
}

/** Encodes a launch request (its spawn record, then its setup ops) as the native launcher reads it. */
export function encodeSetupProgram(request: LaunchRequest): Uint8Array {
  const records: [number, Field[]][] = [[RECORD_CODES.spawn, spawnFields(request)]];
  for (const op of request.setup) {
    const [name, fields] = opRecord(op);
    records.push([RECORD_CODES[name], fields]);
  }
  let size = 8;
  for (const [, fields] of records) {
    size += 8;
    for (const f of fields) size += fieldSize(f);
  }
  const w = new Writer(size);
  w.u32(SETUP_PROGRAM_MAGIC);
  w.u32(records.length);
  for (const [code, fields] of records) w.record(code, fields);
  return w.done();
}
