/** sjtest's promise to be harmless: the jail's address is a loopback one, so no probe leaves the host. */
import { isIP } from 'node:net';

/** 127.0.0.0/8 (dotted quad) or ::1. */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.split('.')[0] === '127';
  if (isIP(address) === 6) return /^(0{0,4}:){2,7}0{0,3}1$/.test(address) || address === '::1';
  return false;
}
