// exec.consolelog: the output of every hook and of what exec.start leaves running, appended to a
// host file created mode 0600. The file is opened here, safely (no symbolic link below the jail's
// path, a regular file only), and never handed to the jail: jailed processes get the write end of a
// pipe that a host `cat` copies into the file until the last writer is gone.
import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { close, openat, pipe2, pipeBytes } from '@sysjail/systrace-bindings';
import { CliError } from '../errors.js';

export interface ConsoleLog {
  /** Write end of the pipe: stdout and stderr of the hooks. */
  readonly fd: number;
  /**
   * Waits (at most a second) until the copier has taken what the hooks wrote (the pipe is empty), so
   * jail(8) does not return before its hooks' output is on its way to the file; then closes this
   * process's write end (the copier ends when the jail's copies are gone too).
   */
  close(): Promise<void>;
}

const APPEND =
  constants.O_WRONLY |
  constants.O_APPEND |
  constants.O_CREAT |
  constants.O_NOFOLLOW |
  constants.O_NOCTTY |
  constants.O_NONBLOCK;
const DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const CLOEXEC = 0o2000000;

/** Opens the log file for appending: below the jail's path, no component may be a symbolic link. */
export function openLogFile(path: string, jailRoot: string): number {
  const fail = (why: string): never => {
    throw new CliError('CONSOLE_LOG', `exec.consolelog: ${path}: ${why}`, 1);
  };
  if (!path.startsWith('/')) fail('not an absolute pathname');
  const root = jailRoot.replace(/\/+$/, '');
  let fd: number;
  try {
    if (root !== '' && path.startsWith(`${root}/`)) {
      let dir = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
      const parts = path
        .slice(root.length + 1)
        .split('/')
        .filter(Boolean);
      const last = parts.pop();
      if (!last) fail('not a file name');
      try {
        for (const p of parts) {
          const next = openat(dir, p, DIR | CLOEXEC);
          close(dir);
          dir = next;
        }
        fd = openat(dir, last as string, APPEND | CLOEXEC, 0o600);
      } finally {
        close(dir);
      }
    } else {
      const dir = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
      try {
        fd = openat(dir, basename(path), APPEND | CLOEXEC, 0o600);
      } finally {
        closeSync(dir);
      }
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as { errnoName?: string }).errnoName ?? (e as { code?: string }).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      // The kernel refused (O_NOFOLLOW); say why if a component is a symbolic link.
      const parts = path.split('/');
      const isLink = (p: string) => {
        try {
          return lstatSync(p).isSymbolicLink();
        } catch {
          return false;
        }
      };
      for (let n = 2; n <= parts.length; n++) {
        if (isLink(parts.slice(0, n).join('/'))) fail('a symbolic link on the way');
      }
    }
    return fail(String(code ?? (e as Error).message));
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    fail('not a regular file');
  }
  return fd;
}

/** Opens the console log and starts its copier. */
export function openConsoleLog(path: string, jailRoot: string): ConsoleLog {
  const file = openLogFile(path, jailRoot);
  const [r, w] = pipe2(CLOEXEC);
  try {
    const copier = spawn('/bin/cat', [], { stdio: [r, file, 'ignore'], detached: true });
    copier.on('error', () => {});
    copier.unref();
  } finally {
    closeSync(r);
    closeSync(file);
  }
  let open = true;
  return {
    fd: w,
    async close() {
      if (!open) return;
      open = false;
      for (const end = Date.now() + 1000; pipeBytes(w) > 0 && Date.now() < end; )
        await new Promise((r) => setTimeout(r, 5));
      closeSync(w);
    },
  };
}
