export { etcFiles, jailDirectories } from './etc-files.js';
export type { BuildOptions, JailRootSummary } from './jail-root.js';
export { buildJailRoot, checkNotHostRoot, DEFAULT_BUSYBOX, findBinary, MADE_FILES } from './jail-root.js';
export type { MkjailConfig } from './mkjail-config.js';
export { parseMkjailArgs } from './mkjail-config.js';
export { DEFAULT_MIRROR, debootstrapRoot, extractTarball } from './root-source.js';
export { parseLddOutput, sharedLibraries } from './shared-libraries.js';
