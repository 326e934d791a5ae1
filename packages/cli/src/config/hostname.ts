import { BadHostnameError } from '../errors.js';

/** RFC 1123 allows 255; the kernel's UTS hostname holds at most 64 bytes (__NEW_UTS_LEN). */
export const HOSTNAME_MAX = 255;
export const UTS_HOSTNAME_MAX = 64;

const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Throws BadHostnameError unless `name` is a valid RFC 1123 host name the kernel can hold. */
export function checkHostname(name: string): string {
  if (name === '') throw new BadHostnameError(name, 'empty');
  if (name.length > HOSTNAME_MAX) throw new BadHostnameError(name, `longer than ${HOSTNAME_MAX} characters`);
  if (name.length > UTS_HOSTNAME_MAX) {
    throw new BadHostnameError(name, `longer than ${UTS_HOSTNAME_MAX} characters (the Linux UTS limit)`);
  }
  for (const l of name.split('.')) {
    if (l === '') throw new BadHostnameError(name, 'empty label');
    if (l.length > 63) throw new BadHostnameError(name, `label "${l}" longer than 63 characters`);
    if (!label.test(l)) {
      throw new BadHostnameError(name, `label "${l}" must be letters, digits and inner hyphens`);
    }
  }
  return name;
}
