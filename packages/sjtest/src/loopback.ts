/**
 * sjtest's promise to be harmless: the jail's address is a loopback one, so no probe leaves the host.
 * The text is parsed by Node's own address parser (sjtest depends on no sysjail package).
 */
import { BlockList, isIP } from 'node:net';

const loopback4 = new BlockList();
loopback4.addSubnet('127.0.0.0', 8, 'ipv4');
const loopback6 = new BlockList();
loopback6.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 (dotted quad) or ::1, in any spelling; no zone id. */
export function isLoopback(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return loopback4.check(address, 'ipv4');
  if (family === 6) return !address.includes('%') && loopback6.check(address, 'ipv6');
  return false;
}
