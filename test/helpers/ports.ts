// A TCP port free on 127.0.0.1 right now, for a test to publish or listen on.
import { createServer, type AddressInfo } from 'node:net';

/**
 * The port the kernel hands out for a listener on 127.0.0.1:0, closed again before it is returned. Another
 * process may take it in between; tests use it at once (an engine publishing it, an agent listening on it).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
