/**
 * Loopback servers the network tests run on the host: a TCP server that writes back the address it saw
 * the client come from, and a UDP socket that records datagrams with their source.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

export interface TcpWitness {
  readonly server: Server;
  readonly port: number;
  /** Remote addresses of accepted connections. */
  readonly peers: string[];
  close(): Promise<void>;
}

/** Listens on address:port (0: any free port) and tells each client where it came from. */
export function tcpWitness(address: string, port = 0, label = ''): Promise<TcpWitness> {
  const peers: string[] = [];
  const server = createServer((sock) => {
    const peer = `${sock.remoteAddress}`;
    peers.push(peer);
    sock.on('error', () => {});
    sock.end(label ? `${label}:${peer}` : peer);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      const got = server.address();
      resolve({
        server,
        port: typeof got === 'object' && got ? got.port : 0,
        peers,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

export interface UdpWitness {
  readonly socket: UdpSocket;
  readonly port: number;
  readonly datagrams: { text: string; from: string }[];
  close(): Promise<void>;
}

export function udpWitness(address: string, port = 0): Promise<UdpWitness> {
  const datagrams: { text: string; from: string }[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => datagrams.push({ text: msg.toString(), from: rinfo.address }));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      resolve({
        socket,
        port: socket.address().port,
        datagrams,
        close: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}
