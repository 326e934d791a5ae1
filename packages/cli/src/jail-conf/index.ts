export { type ConfSelection, DEFAULT_CONF, DEFAULT_CONF_DIR, loadConfBlocks } from './conf-files.js';
export {
  HOOKS,
  type HookName,
  IN_JAIL_HOOKS,
  type JailSpec,
  jailSpec,
  type SpecOptions,
} from './jail-spec.js';
export { type Piece, type Token, tokenize } from './lexer.js';
export { boolValue, lookupParameter, nearestName, parameters, unsupportedParameters } from './parameters.js';
export { type ConfBlock, type ConfParam, globFiles, parseJailConf, readJailConf } from './parser.js';
export {
  type ResolvedJail,
  type ResolvedParam,
  resolveJail,
  resolveJails,
  sameParameter,
  wildcardMatches,
} from './resolve.js';
export { formatPos, type SourcePos } from './source.js';
