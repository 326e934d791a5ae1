// Cgroup and address confinement: the jail's cgroup2 directory and the eBPF programs attached to it.
export type { AddressPrison } from './address-prison.js';
export type { Ip6Words, JailAddressWords } from './address-words.js';
export { ipv4Word, ipv6Words, jailAddressWords } from './address-words.js';
export { bindProgram4, bindProgram6 } from './bind-program.js';
export { cgroup2Mounts, findCgroup2Mount } from './cgroup2-mount.js';
export type { AddressConfinement, AddressProgram } from './confine-addresses.js';
export { addressPrograms, confineAddresses } from './confine-addresses.js';
export { connectProgram4, connectProgram6 } from './connect-program.js';
export { ingressProgram } from './ingress-program.js';
export type { InterfaceAlias } from './interface-aliases.js';
export {
  checkHostAddresses,
  checkInterfaceAlias,
  isHostAddress,
} from './interface-aliases.js';
export type { JailCgroupOptions } from './jail-cgroup.js';
export { JailCgroup } from './jail-cgroup.js';
export { sendmsgProgram4, sendmsgProgram6 } from './sendmsg-program.js';
