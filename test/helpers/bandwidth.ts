// Measures what a container on the test bed sends and receives through the host (10.231.0.1, outside the
// site's namespace: the traffic crosses the site's uplink, as a backup's would). Plain sockets, no iperf3:
// the container has busybox's nc and wget.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ContainerRuntime } from '../../src/runtime/types.js';
import { execsCommands } from '../../src/runtime/types.js';
import { testbed } from './testbed.js';

export interface Rate {
  /** payload bits per second the receiver saw (TCP goodput: the wire carries ~4% more in headers) */
  bits: number;
  bytes: number;
  seconds: number;
}

/** The container sends as fast as it can for `seconds` (nc < /dev/zero); the host counts what arrives after the first second. */
export async function measureEgress(runtime: ContainerRuntime, id: string, seconds = 4): Promise<Rate> {
  if (!execsCommands(runtime)) throw new Error('the runtime cannot exec');
  let result: Rate | undefined;
  const server = createServer((s: Socket) => {
    const start = Date.now();
    let counted = 0;
    let from = 0;
    s.on('data', (d: Buffer) => {
      const t = Date.now() - start;
      if (t >= 1000) {
        if (from === 0) from = Date.now();
        counted += d.length;
      }
      if (t >= (seconds + 1) * 1000 && result === undefined) {
        const secs = (Date.now() - from) / 1000;
        result = { bits: (counted * 8) / secs, bytes: counted, seconds: secs };
        s.destroy();
      }
    });
    s.on('error', () => undefined);
  });
  const port = await listen(server);
  try {
    await runtime.exec(id, ['sh', '-c', `nc ${testbed.host} ${port} < /dev/zero`], (seconds + 20) * 1000).catch(() => undefined);
  } finally {
    server.close();
  }
  if (!result) throw new Error('the container sent nothing to the host');
  return result;
}

/** The container downloads `bytes` from the host (wget); the rate is the host's, from its first byte to the container's close. */
export async function measureIngress(runtime: ContainerRuntime, id: string, bytes: number): Promise<Rate> {
  if (!execsCommands(runtime)) throw new Error('the runtime cannot exec');
  let result: Rate | undefined;
  const chunk = Buffer.alloc(64 * 1024);
  const server = createServer((s: Socket) => {
    s.once('data', () => {
      s.write(`HTTP/1.0 200 OK\r\ncontent-length: ${bytes}\r\n\r\n`);
      const start = Date.now();
      let left = bytes;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!s.write(chunk.subarray(0, n))) return void s.once('drain', pump);
        }
        s.end();
      };
      s.on('close', () => {
        const secs = (Date.now() - start) / 1000;
        result = { bits: (bytes * 8) / secs, bytes, seconds: secs };
      });
      pump();
    });
    s.on('error', () => undefined);
  });
  const port = await listen(server);
  try {
    const code = await runtime.exec(id, ['wget', '-q', '-O', '/dev/null', `http://${testbed.host}:${port}/`], 120_000);
    if (code !== 0) throw new Error(`wget in the container exited ${code}`);
    for (let i = 0; i < 50 && !result; i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    server.close();
  }
  if (!result) throw new Error('the download did not finish');
  return result;
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((ok) => server.listen(0, testbed.host, () => ok((server.address() as AddressInfo).port)));
}
