// Child processes of a test: its first line of output, and their end.
import type { ChildProcess } from 'node:child_process';

/** SIGKILL to every child in `children` that has not ended, and their exits awaited; the list is emptied. */
export async function killChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** What the child writes on stdout up to its first newline (included), or until it exits. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text);
    });
    child.once('exit', () => resolve(text));
  });
}
