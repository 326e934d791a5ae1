// The jail policy: rules over syscall and errno names, first match wins, a reason for each (shown by
// sysjail --explain and in audit records). __NAME__ starts from the Linux jail policy and puts its own
// rules first. A rule decides in the kernel on scalar arguments (allow, deny, kill) or hands the call
// to a handler of this package (notify) when the decision needs memory the caller could change.
import { deny, notify, type Policy, type Prison, type Rule } from '@sysjail/core';
import { linuxJailPolicy } from '@sysjail/emul-linux';

/** __NAME__'s own rules, before Linux's. */
export function __NAME__Rules(prison: Prison): Rule[] {
  const rules: Rule[] = [
    {
      syscall: 'personality',
      decision: deny('EPERM'),
      reason: '__NAME__ programs keep the execution domain they were started with',
    },
  ];
  if (prison.flags.allowSetHostname)
    rules.push({
      syscall: 'sethostname',
      decision: notify('hostname'),
      reason: 'a host name of letters, digits, dots and dashes only; the supervisor sets it',
    });
  return rules;
}

export function __NAME__JailPolicy(prison: Prison): Policy {
  const linux = linuxJailPolicy(prison);
  return { ...linux, name: '__NAME__', rules: [...__NAME__Rules(prison), ...linux.rules] };
}
