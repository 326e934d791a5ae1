import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The files of this package's BPF code and seccomp constants (what an encoded filter program depends
 * on), for a cache of compiled programs to tell one build from another.
 */
export function bpfSourceFiles(): string[] {
  const bpf = fileURLToPath(new URL('./', import.meta.url));
  const code = (name: string) => /\.(js|ts)$/.test(name) && !/\.(test\.ts|d\.ts)$/.test(name);
  return [
    ...readdirSync(bpf)
      .filter(code)
      .map((n) => bpf + n),
    fileURLToPath(
      new URL(import.meta.url.endsWith('.ts') ? '../seccomp.ts' : '../seccomp.js', import.meta.url),
    ),
  ];
}
