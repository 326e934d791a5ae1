export { assembleFilter, encodeFilter } from './assemble.js';
export type { CompiledFilter, CompileOptions, NotifyEntry } from './compile.js';
export { compileFilter } from './compile.js';
export type { FilterOp } from './ir.js';
