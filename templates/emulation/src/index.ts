export { detect__NAME__, ELFOSABI_STANDALONE } from './detect.js';
export { __NAME__, __NAME__HandlersModule } from './emulation.js';
export { __NAME__Errno } from './errno.js';
export { handlers as __NAME__Handlers } from './handlers.js';
export { __NAME__JailPolicy, __NAME__Rules } from './policy.js';
export { tables } from './tables.js';
