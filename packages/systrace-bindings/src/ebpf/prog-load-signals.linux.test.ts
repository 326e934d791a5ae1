// BPF_PROG_LOAD fails with EAGAIN when a signal is pending while the verifier works. Under Node's CPU
// profiler (SIGPROF every 20 µs) a program that takes the verifier a few ms is interrupted nearly every
// time: the plain syscall fails, bpfProgLoad (tried again with signals blocked) must not.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

const script = `
import * as b from ${JSON.stringify(dist)};
const { ebpf, EbpfAssembler } = b;
const a = new EbpfAssembler();
a.emit(ebpf.ldxMem(ebpf.BPF_W, 2, 1, 4), ebpf.mov64Imm(0, 1));
for (let i = 0; i < 1500; i++) { a.jmp32Imm(ebpf.BPF_JEQ, 2, i + 1, 'l' + i); a.emit(ebpf.mov64Imm(3, i)); a.label('l' + i); }
a.emit(ebpf.exit());
const insns = a.assemble();
const opts = { progType: ebpf.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, expectedAttachType: ebpf.BPF_CGROUP_INET4_BIND, insns };
// The plain syscall, as bpfProgLoad made it before: how often does a pending signal break it?
const code = ebpf.encodeInsns(insns);
const license = Buffer.from('GPL\\0');
let plainEagain = 0;
for (let i = 0; i < 10; i++) {
  const attr = Buffer.alloc(72);
  attr.writeUInt32LE(opts.progType, 0);
  attr.writeUInt32LE(insns.length, 4);
  attr.writeBigUInt64LE(b.addressOf(code), 8);
  attr.writeBigUInt64LE(b.addressOf(license), 16);
  attr.writeUInt32LE(opts.expectedAttachType, 68);
  const r = b.syscallNoThrow(b.sysno.bpf, ebpf.BPF_PROG_LOAD, attr, attr.length);
  if (r >= 0) b.closeProgFd(r); else if (r === -11) plainEagain++;
}
let loaded = 0;
const errors = [];
for (let i = 0; i < 10; i++) {
  try { b.closeProgFd(b.bpfProgLoad(opts)); loaded++; } catch (e) { errors.push(e.message); }
}
console.log(JSON.stringify({ plainEagain, loaded, errors }));
`;

it('a load interrupted by pending signals (CPU profiler) is retried until the verifier finishes', () => {
  const profDir = mkdtempSync(join(tmpdir(), 'sysjail-prof-'));
  try {
    const r = spawnSync(
      process.execPath,
      [
        '--cpu-prof',
        `--cpu-prof-dir=${profDir}`,
        '--cpu-prof-interval',
        '20',
        '--input-type=module',
        '-e',
        script,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { plainEagain: number; loaded: number; errors: string[] };
    // The signals really interrupted the verifier (else this test would prove nothing)...
    expect(out.plainEagain).toBeGreaterThan(0);
    // ...and every load through bpfProgLoad succeeded.
    expect(out).toMatchObject({ loaded: 10, errors: [] });
  } finally {
    rmSync(profDir, { recursive: true, force: true });
  }
});
