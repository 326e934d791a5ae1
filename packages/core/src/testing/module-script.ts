/**
 * An ES module script run by a fresh node (`node --input-type=module -e SCRIPT ARGS...`), for tests that
 * race several processes: resolves with the JSON the script wrote to stdout, rejects with its stderr if
 * it exits non-zero.
 */
import { spawn } from 'node:child_process';

export function runModuleScript<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(err))));
  });
}
