/** What the address programs need to know of a prison. */
export interface AddressPrison {
  /** Jail IPv4 addresses; the first is primary (INADDR_ANY, 127.0.0.1 and unbound sources become it). */
  readonly ipv4: readonly string[];
  /** Jail IPv6 addresses; the first is primary. */
  readonly ipv6: readonly string[];
}
