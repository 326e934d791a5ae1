import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { AT_FDCWD, close, O_CLOEXEC, O_PATH, O_RDONLY, openat } from '@sysjail/systrace-bindings';
import type { BinfmtRule } from '../emulation.js';
import { JailSetupError } from '../errors.js';

export const binfmtHelperPath = fileURLToPath(new URL('../../dist/native/sysjail-binfmt', import.meta.url));

/**
 * The binfmt_misc registration of `rule` (`:name:M:offset:magic:mask:interpreter:flags`), every byte
 * escaped. The interpreter is fd 3 of the registering process, opened by the kernel at registration (F);
 * the program's argv[0] is kept (P) and the program is handed to the interpreter open (O, AT_EXECFD).
 * Never C: the credentials come from the interpreter (no set-uid bit), not from the program.
 */
export function binfmtRegistration(name: string, rule: BinfmtRule): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,59}$/.test(name))
    throw new JailSetupError(`binfmt rule name "${name}"`);
  const { offset, magic, mask } = rule;
  if (!Number.isInteger(offset) || offset < 0 || magic.length === 0 || offset + magic.length > 128)
    throw new JailSetupError(`binfmt rule ${name}: the magic must lie within the first 128 bytes`);
  if (mask && mask.length !== magic.length)
    throw new JailSetupError(`binfmt rule ${name}: the mask and the magic differ in length`);
  const hex = (b: Uint8Array) => [...b].map((x) => `\\x${x.toString(16).padStart(2, '0')}`).join('');
  return `:${name}:M:${offset}:${hex(magic)}:${mask ? hex(mask) : ''}:/proc/self/fd/3:POF`;
}

/** A jail's user namespace (an fd for the init to enter) and the mount that keeps its binfmt_misc rules. */
export interface JailUserNamespace {
  readonly userns: number;
  /** Closes both: the instance's rules go with the mount; the namespace with its last process. */
  close(): void;
}

/**
 * An identity-mapped user namespace owning a binfmt_misc instance of its own with `rules`, their
 * interpreter the executable in `interpreterFd` (see native/sysjail-binfmt.c). The host's binfmt_misc is
 * never touched: a process in the namespace finds this instance first (Linux 6.7+).
 */
export async function jailUserNamespace(
  rules: readonly [string, BinfmtRule][],
  interpreterFd: number,
): Promise<JailUserNamespace> {
  const lines = rules.map(([name, rule]) => binfmtRegistration(name, rule));
  const helper = spawn(binfmtHelperPath, lines, { stdio: ['pipe', 'pipe', 'pipe', interpreterFd] });
  const stdin = helper.stdio[0] as Writable;
  const stdout = helper.stdio[1] as Readable;
  const stderr = helper.stdio[2] as Readable;
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    helper.on('error', reject);
    helper.on('close', (code) => resolve(code));
  });
  const fds: number[] = [];
  try {
    const ready = await Promise.race([
      new Promise<string>((resolve) => {
        const check = () => {
          if (out.includes('\n')) resolve(out);
        };
        stdout.on('data', check);
        check();
      }),
      exited.then(() => undefined),
    ]);
    const m = ready === undefined ? null : /^(\d+) (\d+)\n/.exec(ready);
    if (!m) {
      const why = err.trim() || `sysjail-binfmt ended with status ${await exited}`;
      throw new JailSetupError(`cannot make the jail's binfmt_misc instance: ${why}`);
    }
    fds.push(openat(AT_FDCWD, `/proc/${m[1]}/ns/user`, O_RDONLY | O_CLOEXEC));
    fds.push(openat(AT_FDCWD, `/proc/${m[1]}/fd/${m[2]}`, O_PATH | O_CLOEXEC));
  } catch (e) {
    for (const fd of fds) close(fd);
    helper.kill('SIGKILL');
    throw e instanceof JailSetupError
      ? e
      : new JailSetupError(`cannot make the jail's binfmt_misc instance: ${(e as Error).message}`, {
          cause: e,
        });
  } finally {
    stdin.end();
  }
  const code = await exited;
  if (code !== 0) {
    for (const fd of fds) close(fd);
    throw new JailSetupError(
      `cannot make the jail's binfmt_misc instance: ${err.trim() || `status ${code}`}`,
    );
  }
  const [userns, mount] = fds as [number, number];
  let open = true;
  return {
    userns,
    close() {
      if (!open) return;
      open = false;
      close(userns);
      close(mount);
    },
  };
}
