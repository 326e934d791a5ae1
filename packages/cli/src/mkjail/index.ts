export { etcFiles, jailDirectories } from './etc-files.js';
export type { BuildOptions, JailRootSummary } from './jail-root.js';
export { buildJailRoot, DEFAULT_BUSYBOX, findBinary } from './jail-root.js';
export type { MkjailConfig } from './mkjail-config.js';
export { parseMkjailArgs } from './mkjail-config.js';
export { parseLddOutput, sharedLibraries } from './shared-libraries.js';
