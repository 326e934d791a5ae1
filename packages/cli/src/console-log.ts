import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from './errors.js';

/** Where `sysjail -b` keeps each jail's output: $SYSJAIL_LOG_DIR, else /var/log/sysjail. */
export function consoleLogDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SYSJAIL_LOG_DIR || '/var/log/sysjail';
}

/** The log file of a background jail: `DIR/NAME.log`, NAME its -n name or else its hostname. */
export function consoleLogPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(consoleLogDir(env), `${name}.log`);
}

/**
 * Opens a jail's console log for appending, safely: its directory is made 0700 if missing and must be a
 * real directory (not a link); the file is created 0600, never followed through a symlink
 * (O_NOFOLLOW), must be a regular file and is not a terminal or FIFO someone planted. Returns the fd.
 */
export function openConsoleLog(path: string): number {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!lstatSync(dir).isDirectory()) throw new RuntimeError('CONSOLE_LOG', `${dir}: not a directory`);
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY |
        constants.O_APPEND |
        constants.O_CREAT |
        constants.O_NOFOLLOW |
        constants.O_NONBLOCK,
      0o600,
    );
  } catch (e) {
    throw new RuntimeError('CONSOLE_LOG', `${path}: ${(e as Error).message}`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new RuntimeError('CONSOLE_LOG', `${path}: not a regular file`);
  }
  return fd;
}
