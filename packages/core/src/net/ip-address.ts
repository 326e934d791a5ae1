import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '@sysjail/systrace-bindings';

export type IpFamily = 'inet' | 'inet6';

export interface IpAddress {
  readonly family: IpFamily;
  /** Canonical text: dotted quad, or RFC 5952 for IPv6. */
  readonly address: string;
}

/** An IPv4 or IPv6 address (of `family` if given) in canonical text; undefined if `text` is none. */
export function parseIpAddress(text: string, family?: IpFamily): IpAddress | undefined {
  const v4 = family === 'inet6' ? undefined : parseIPv4(text);
  if (v4) return { family: 'inet', address: formatIPv4(v4) };
  const v6 = family === 'inet' ? undefined : parseIPv6(text);
  if (v6) return { family: 'inet6', address: formatIPv6(v6) };
  return undefined;
}
