export { countJailProcesses, jailPrograms, jailStatus } from './jail-status.js';
export type { JailParam, JlsMode } from './jls-format.js';
export {
  formatJls,
  formatJlsJson,
  formatJlsNameValue,
  formatJlsParams,
  formatJlsRow,
  formatJlsVerbose,
  formatJlsVerboseEntry,
  jailName,
  jailParamNames,
  jailParams,
  jlsHeader,
  jlsVerboseHeader,
} from './jls-format.js';
export { loaderStatus, type ProgramStatus, parseLoaderStatus } from './loader-status.js';
export type { JailStatus } from './sjls-format.js';
export {
  formatSjls,
  formatSjlsJson,
  formatSjlsRow,
  formatSjlsVerbose,
  policyFlags,
  sjlsHeader,
} from './sjls-format.js';
