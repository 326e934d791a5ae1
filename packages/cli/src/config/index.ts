export type { AddressFamily, JailAddress } from './address.js';
export { isLoopback, parseAddress, parseAddressList } from './address.js';
export type { OptionSpec, ParsedOption, ScannedArgv } from './getopt.js';
export { getopt } from './getopt.js';
export { checkHostname } from './hostname.js';
export type {
  ExplainJailConfig,
  JailConfig,
  JailTool,
  ParseContext,
  RemoveJailConfig,
  StartJailConfig,
} from './jail-config.js';
export { parseJailArgs } from './jail-config.js';
export { checkJailName, parseJailRef } from './jail-name.js';
export { checkJailPath } from './jail-path.js';
export type { JailUser } from './jail-user.js';
export { resolveJailUser, UnknownJailUserError } from './jail-user.js';
export { usage } from './usage.js';
