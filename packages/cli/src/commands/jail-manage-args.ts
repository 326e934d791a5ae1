import { getopt } from '../config/getopt.js';

/** jail(8)'s options in its -c, -m, -r and -R forms. */
export const MANAGE_OPTIONS = 'cdf:hiJ:lmn:p:qRrs:u:U:v';

/** Does this argv ask for jail(8)'s -c, -m, -r or -R (rather than the four-argument form)? */
export function isManageCommand(argv: readonly string[]): boolean {
  try {
    const { options } = getopt(argv, { short: MANAGE_OPTIONS });
    return options.some((o) => 'cmrR'.includes(o.name));
  } catch {
    return false;
  }
}
