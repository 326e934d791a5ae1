import { spawn } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';

/**
 * For tests of servers that check their peer (SO_PEERCRED): connects to the unix socket at `socketPath`
 * from a child process running as `uid`/`gid` (nobody by default), sends `request` and ends its side,
 * and resolves with everything the server answered. The socket is made 0666 meanwhile (its mode put
 * back after), so that the kernel lets the peer through and the server's own check is what is tested.
 */
export async function requestAsUser(
  socketPath: string,
  request: string,
  uid = 65534,
  gid = 65534,
): Promise<string> {
  const mode = statSync(socketPath).mode & 0o7777;
  chmodSync(socketPath, 0o666);
  try {
    const client = `
      const s = require('node:net').connect(${JSON.stringify(socketPath)});
      s.on('connect', () => s.end(${JSON.stringify(request)}));
      s.on('data', (d) => process.stdout.write(d));`;
    // Asynchronously: the server may answer from this process's own event loop.
    const child = spawn(process.execPath, ['-e', client], { uid, gid, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    await new Promise((resolve) => child.on('close', resolve));
    return out;
  } finally {
    chmodSync(socketPath, mode);
  }
}
