import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Loopback only: tests and local runs never listen beyond this machine. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * Starts `server` on loopback (port 0: a free port chosen by the system, so parallel test
 * workers never collide) and resolves with its base URL, e.g. `http://127.0.0.1:40123`.
 */
export async function listenOnLoopback(server: Server, port = 0, host: typeof LOOPBACK_HOST = LOOPBACK_HOST) {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return endpointOf(server);
}

/** `http://<address>:<port>` of a listening server. */
export function endpointOf(server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://${address.address}:${address.port}`;
}

/**
 * Closes the server and every connection still open (keep-alive sockets of SDK clients included).
 * Closing one already closed is done, not an error: an interrupted run stops some servers twice.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => {
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
      else resolve();
    });
    server.closeAllConnections();
  });
}
