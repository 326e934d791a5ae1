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
      return ['landlock', [0, op.scoped, null]];
    case 'landlock':
      return ['landlock', [landlockFsAccess(landlockAbiVersion()), op.scoped, op.beneath]];
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

class Writer {
  private buf = Buffer.alloc(4096);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.at);
    this.at += 4;
  }

  bytes(b: Uint8Array): void {
    const padded = (b.length + 1 + 3) & ~3;
    this.room(4 + padded);
    this.u32(b.length);
    this.buf.set(b, this.at);
    this.buf.fill(0, this.at + b.length, this.at + padded);
    this.at += padded;
  }

  field(f: Field): void {
    if (f === null) {
      this.u32(3);
    } else if (typeof f === 'number' || typeof f === 'bigint') {
      if (typeof f === 'number' && !Number.isInteger(f))
        throw new InvalidArgumentError(`${f}: not an integer`);
      this.u32(1);
      this.room(8);
      this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(f)), this.at);
      this.at += 8;
    } else if (typeof f === 'string') {
      const b = Buffer.from(f, 'utf8');
      if (b.includes(0)) throw new InvalidArgumentError(`${JSON.stringify(f)}: a NUL in a string`);
      this.u32(2);
      this.bytes(b);
    } else {
      this.u32(4);
      this.bytes(f);
    }
  }

  record(name: RecordName, fields: readonly Field[]): void {
    this.u32(RECORD_CODES[name]);
    this.u32(fields.length);
    for (const f of fields) this.field(f);
  }

  done(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** Encodes a launch request (its spawn record, then its setup ops) as the native launcher reads it. */
export function encodeSetupProgram(request: LaunchRequest): Uint8Array {
  const w = new Writer();
  w.u32(SETUP_PROGRAM_MAGIC);
  w.u32(1 + request.setup.length);
  w.record('spawn', spawnFields(request));
  for (const op of request.setup) w.record(...opRecord(op));
  return w.done();
}
