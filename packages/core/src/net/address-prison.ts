/** What the address programs need to know of a prison. */
export interface AddressPrison {
  /** Jail IPv4 addresses; the first is primary (INADDR_ANY, 127.0.0.1 and unbound sources become it). */
  readonly ipv4: readonly string[];
  /** Jail IPv6 addresses; the first is primary. */
  readonly ipv6: readonly string[];
  /**
   * Root of the jail (real uid 0) binds ports below 1024: the bind programs return the kernel's "no
   * CAP_NET_BIND_SERVICE check" verdict for it. For a jail in a user namespace of its own, whose root's
   * capabilities count in that namespace only, not in the host network namespace's owner.
   */
  readonly rootBindsReservedPorts?: boolean;
}
