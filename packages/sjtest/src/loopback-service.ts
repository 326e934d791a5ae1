/**
 * A host service on 127.0.0.1 only (TCP and UDP, ephemeral ports) that answers with the token: a jail
 * maps 127.0.0.1 to its own address, so it must never reach this service.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { type AddressInfo, createServer, type Server } from 'node:net';

export interface LoopbackService {
  readonly tcpPort: number;
  readonly udpPort: number;
  close(): void;
}

export async function startLoopbackService(token: string): Promise<LoopbackService> {
  const tcp: Server = createServer((c) => {
    c.on('error', () => {});
    c.end(token);
  });
  tcp.on('error', () => {});
  const udp: UdpSocket = createSocket('udp4');
  udp.on('error', () => {});
  udp.on('message', (_msg, from) => udp.send(token, from.port, from.address));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(0, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  return {
    tcpPort: (tcp.address() as AddressInfo).port,
    udpPort: udp.address().port,
    close() {
      tcp.close();
      udp.close();
    },
  };
}
