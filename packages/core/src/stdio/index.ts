export { JAIL_PTMX, JailStdio, type TerminalMode } from './jail-stdio.js';
