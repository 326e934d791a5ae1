/** The handlers the supervisor has, by the name policies use in notify(name) (see handlers.ts). */
export const builtinHandlerNames: readonly string[] = [
  'listen',
  'setrlimit',
  'reboot',
  'socketcall',
  'sethostname',
];
