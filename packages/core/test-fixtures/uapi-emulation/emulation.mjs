// core's test emulation, generated into a test's directory by test-fixtures/jail-fixture.ts: the x86_64
// ABI as the kernel's UAPI headers define it (abi.json beside this file, made there from unistd_64.h,
// linux/audit.h and the errno names), a policy that allows every call but sends mkdir to a handler.
// Core cannot use an emulation package in its tests (those depend on core); this one has no number of
// its own and no import of another package.
import { readFileSync } from 'node:fs';

/** @type {{ auditArch: number, errno: Record<string, number>, syscalls: { name: string, nr: number }[] }} */
const abi = JSON.parse(readFileSync(new URL('./abi.json', import.meta.url), 'utf8'));
const arch = { name: 'x86_64', auditArch: abi.auditArch, bits: 64, endian: 'little' };

/** @type {import('@sysjail/core').Emulation} */
export const uapi = {
  name: 'uapi',
  description: 'x86_64 from the kernel UAPI headers: every call allowed, mkdir answered by a handler',
  tables: [{ arch, entries: abi.syscalls.map(({ name, nr }) => ({ name, nr, args: [] })) }],
  refusedArchitectures: [],
  errno: abi.errno,
  handlers: { module: new URL('./handlers.mjs', import.meta.url).href, names: ['answerOnly'] },
  policy: () => ({
    name: 'uapi',
    defaultDecision: { action: 'allow' },
    unknownDecision: { action: 'errno', errno: 'ENOSYS' },
    rules: [
      {
        syscall: 'mkdir',
        decision: { action: 'notify', handler: 'answerOnly' },
        reason: 'answered by the supervisor',
      },
    ],
  }),
  detect: () => false,
};
