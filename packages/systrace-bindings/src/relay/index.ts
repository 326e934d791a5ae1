// The stdio relay: pipes and terminals between a caller's descriptors and a jailed program.
export { type Relay, type RelayPair, relaysSettled, startRelay } from './relay.js';
