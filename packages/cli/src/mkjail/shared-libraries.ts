import { execFileSync } from 'node:child_process';
import { SharedLibraryError } from '../errors.js';

/**
 * The shared objects a dynamic binary loads, interpreter included, as absolute paths, from ldd(1)'s
 * output. A static binary has none. Pure: the parse only.
 */
export function parseLddOutput(binary: string, output: string): string[] {
  if (/not a dynamic executable|statically linked/.test(output)) return [];
  const libs: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const arrow = line.match(/^(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$/);
    if (arrow) {
      if (arrow[2] === 'not found') throw new SharedLibraryError(binary, `${arrow[1]} not found`);
      if (arrow[2].startsWith('/')) libs.push(arrow[2]);
      continue; // linux-vdso.so.1 => (…) or an empty target: nothing on disk
    }
    const plain = line.match(/^(\/\S+) \(0x[0-9a-f]+\)$/);
    if (plain) libs.push(plain[1]); // the interpreter, /lib64/ld-linux-x86-64.so.2
  }
  return [...new Set(libs)];
}

/** Runs ldd on `binary` and parses it. */
export function sharedLibraries(binary: string): string[] {
  let output: string;
  try {
    output = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const text = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    // ldd exits 1 for a static binary.
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new SharedLibraryError(binary, text.trim().split('\n')[0] || err.message);
  }
  return parseLddOutput(binary, output);
}
