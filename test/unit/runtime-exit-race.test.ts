// Podman before 4.4 fails an inspect of a container whose process is exiting; turtle asks again.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';

/** A Podman stand-in that gives each inspect request the next of `answers` (status, message). */
async function withEngine(answers: Array<[number, string]>, fn: (endpoint: string, seen: string[]) => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const [status, message] = answers.shift() ?? [404, 'no such container'];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    await fn(`tcp://127.0.0.1:${(server.address() as { port: number }).port}`, seen);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('an inspect that meets a container exiting (podman#16383) is asked again, and then sees it', async () => {
  await withEngine([[500, 'read /proc/8058/cgroup: no such process'], [500, 'open /proc/8058/cgroup: no such file or directory']], async (endpoint, seen) => {
    const runtime = createRuntime({ kind: 'podman', endpoint });
    assert.equal(await runtime.inspect('abc'), undefined);
    assert.deepEqual(seen, ['GET /containers/abc/json', 'GET /containers/abc/json', 'GET /containers/abc/json']);
  });
});

test('the race is asked about three times at most; other failures are not asked again', async () => {
  const race: [number, string] = [500, 'read /proc/8058/cgroup: no such process'];
  await withEngine([race, race, race, race], async (endpoint, seen) => {
    const runtime = createRuntime({ kind: 'podman', endpoint });
    await assert.rejects(runtime.inspect('abc'), { message: `podman at ${endpoint} failed to inspect container abc: read /proc/8058/cgroup: no such process` });
    assert.equal(seen.length, 3);
  });
  await withEngine([[500, 'database is locked']], async (endpoint, seen) => {
    const runtime = createRuntime({ kind: 'podman', endpoint });
    await assert.rejects(runtime.inspect('abc'), { message: `podman at ${endpoint} failed to inspect container abc: database is locked` });
    assert.equal(seen.length, 1);
  });
});
