// The launcher's setup: a typed, serialisable list of operations (as bubblewrap turns flags into ops),
// executed in order in one place (run-setup.ts) by a worker thread before it spawns the child.

interface OpBase {
  /** Run after the child exists instead of before the fork (mountProc picks this itself when needed). */
  afterSpawn?: boolean;
}

export type SetupOp = OpBase &
  (
    | { op: 'unshare'; flags: number }
    | {
        op: 'mount';
        source: string | null;
        target: string;
        fstype: string | null;
        flags: number;
        data?: string | null;
      }
    /**
     * A new procfs at `target` for the PID namespace of the children (fsopen + fsconfig pidns + fsmount +
     * move_mount). After unshare(CLONE_NEWPID) that namespace has no process yet and cannot be opened
     * (ENOENT), so the op runs right after the fork, with /proc/<child>/ns/pid: the child may start
     * before /proc exists (a jail's init waits for the supervisor's go, which comes later).
     */
    | { op: 'mountProc'; target: string; attrs?: number; options?: Record<string, string | true> }
    /**
     * A bind mount of the host path `source` at `target` inside `root` (resolved there, RESOLVE_IN_ROOT:
     * no symlink leads out), nosuid, nodev, read-only when asked.
     */
    | { op: 'bindInRoot'; source: string; root: string; target: string; readonly: boolean }
    /** A tmpfs at `target` inside `root` (as bindInRoot), with tmpfs options (size, mode). */
    | { op: 'tmpfsInRoot'; root: string; target: string; options: Record<string, string>; readonly: boolean }
    | { op: 'umount2'; target: string; flags?: number }
    | { op: 'sethostname'; name: string }
    | { op: 'setdomainname'; name: string }
    | { op: 'pivotRoot'; newRoot: string; putOld: string }
    | { op: 'chdir'; path: string }
    | { op: 'fchdir'; fd: number }
    | { op: 'chroot'; path: string }
    | { op: 'mkdir'; path: string; mode?: number }
    /** mknod(2) of a character device (for a jail's own /dev). */
    | { op: 'mknod'; path: string; mode: number; major: number; minor: number }
    | { op: 'symlink'; target: string; path: string }
    /** Drops every capability not in `keep` from the bounding set. */
    | { op: 'dropBoundingSet'; keep: number[] }
    /** capset(2) with these capability numbers. */
    | { op: 'setCapabilities'; effective: number[]; permitted: number[]; inheritable: number[] }
    | { op: 'noNewPrivs' }
    /** A Landlock domain with these scopes only (LANDLOCK_SCOPE_*); needs no_new_privs first. */
    | { op: 'landlockScope'; scoped: number }
    /**
     * A Landlock domain with these scopes whose file system access is confined beneath `beneath` (see
     * landlockRestrict); needs no_new_privs first. With `subdirectoryRules` (the native launcher's: the worker refuses it), the
     * same rule also on up to that many directories directly beneath `beneath`, each reached without a
     * symlink and on `beneath`'s own mount (no mount point): Landlock's walk up from a file opened below
     * one ends there, a directory sooner (each directory of the walk costs ~25 ns per open(2) here).
     */
    | { op: 'landlock'; scoped: number; beneath: string; subdirectoryRules?: number }
    /** seccomp(SECCOMP_SET_MODE_FILTER); with SECCOMP_FILTER_FLAG_NEW_LISTENER the listener is returned. */
    | { op: 'seccomp'; filter: Uint8Array; flags?: number }
  );

export type SetupOpName = SetupOp['op'];

/** How the child's stdin/stdout/stderr are set: an fd of this process, or inherit, or /dev/null. */
export type StdioSpec = number | 'inherit' | 'ignore';

export interface SpawnRequest {
  setup: SetupOp[];
  command: string;
  args?: string[];
  argv0?: string;
  env?: Record<string, string>;
  /** Working directory of the child, resolved after the setup (inside a new root). */
  cwd?: string;
  /** [stdin, stdout, stderr] (more entries become fds 3, 4 ...), or one spec for all three. */
  stdio?: StdioSpec | StdioSpec[];
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
