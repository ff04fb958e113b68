// An engine that takes its time to answer is waited for; only a connection it never accepts fails fast.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';

test('a stop the engine answers after 6 s (a container using its grace period) is not cut off', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    setTimeout(() => res.writeHead(204).end(), 6_000);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const runtime = createRuntime({ kind: 'docker', endpoint: `tcp://127.0.0.1:${(server.address() as { port: number }).port}` });
    const started = Date.now();
    await runtime.stop('abc', 10);
    assert.ok(Date.now() - started >= 5_900, `answered after ${Date.now() - started} ms`);
    assert.deepEqual(seen, ['POST /containers/abc/stop?t=10']);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
