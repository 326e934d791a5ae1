// The emulation: a plain object implementing core's Emulation contract. The cli finds it through
// package.json ("sysjail": { "emulation": { "module": "./dist/index.js", "export": "__NAME__" } }).
import type { Emulation } from '@sysjail/core';
import { x32Arch } from '@sysjail/emul-linux';
import { detect__NAME__ } from './detect.js';
import { __NAME__Errno } from './errno.js';
import { handlers } from './handlers.js';
import { __NAME__JailPolicy } from './policy.js';
import { tables } from './tables.js';

/** The handler module the supervisor thread imports: the built file (also from src/ in tests). */
export const __NAME__HandlersModule = new URL('../dist/handlers.js', import.meta.url).href;

export const __NAME__: Emulation = {
  name: '__NAME__',
  description:
    'Linux x86_64 programs branded ELFOSABI_STANDALONE, under the Linux policy and rules of its own',
  tables,
  refusedArchitectures: [x32Arch],
  errno: __NAME__Errno,
  policy: __NAME__JailPolicy,
  handlers: { module: __NAME__HandlersModule, names: Object.keys(handlers) },
  detect: detect__NAME__,
};
