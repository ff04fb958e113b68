// turtle's own probes against real local servers: what passes, and the exact reason for each failure.
import assert from 'node:assert/strict';
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runProbe } from '../../src/health/probes.js';
import type { ContainerRuntime } from '../../src/runtime/types.js';

const noRuntime = {} as ContainerRuntime;
const servers: Server[] = [];

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return (server.address() as { port: number }).port;
}

const http = (port: number, path = '/health', timeoutMs = 500) =>
  runProbe({ kind: 'http', port, path }, { id: 'c1', ip: '127.0.0.1' }, timeoutMs, noRuntime);

describe('http and tcp probes', () => {
  let web = 0;
  let silent = 0;
  let closer = 0;
  let garbage = 0;
  let seen: { url?: string; host?: string } = {};
  before(async () => {
    web = await listen(createHttp((req, res) => {
      seen = { url: req.url, host: req.headers.host };
      res.writeHead(req.url === '/health' ? 200 : req.url === '/moved' ? 302 : 503).end('x'.repeat(10_000));
    }));
    silent = await listen(createTcp(() => undefined));
    closer = await listen(createTcp((s) => s.end()));
    garbage = await listen(createTcp((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n')));
  });
  after(() => servers.forEach((s) => s.close()));

  test('2xx and 3xx pass, and the request names the path and host', async () => {
    assert.equal(await http(web), '');
    assert.deepEqual(seen, { url: '/health', host: `127.0.0.1:${web}` });
    assert.equal(await http(web, '/moved'), '');
  });

  test('each failure says why', async () => {
    assert.equal(await http(web, '/broken'), 'GET /broken answered 503');
    assert.equal(await http(silent, '/health', 300), 'GET /health: no answer within 300 ms');
    assert.equal(await http(closer), 'GET /health: the connection closed without an answer');
    assert.equal(await http(garbage), 'GET /health: not an HTTP answer');
    const port = await listen(createTcp());
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await http(port), `GET /health: connect ECONNREFUSED 127.0.0.1:${port}`);
    assert.equal(await runProbe({ kind: 'http', port: web, path: '/' }, { id: 'c1' }, 500, noRuntime), 'the container has no IP address');
  });

  test('tcp passes on an accepted connection and names the port otherwise', async () => {
    assert.equal(await runProbe({ kind: 'tcp', port: silent }, { id: 'c1', ip: '127.0.0.1' }, 500, noRuntime), '');
    const port = await listen(createTcp());
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await runProbe({ kind: 'tcp', port }, { id: 'c1', ip: '127.0.0.1' }, 500, noRuntime), `tcp ${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  test('probes in flight together each keep their own timeout (their deadlines share one timer)', async () => {
    const started = Date.now();
    const timed = (p: Promise<string>) => p.then((why) => [why, Math.round((Date.now() - started) / 100) * 100]);
    const results = await Promise.all([timed(http(silent, '/a', 300)), timed(http(silent, '/b', 100)), timed(http(web)), timed(http(silent, '/c', 200))]);
    assert.deepEqual(results, [['GET /a: no answer within 300 ms', 300], ['GET /b: no answer within 100 ms', 100], ['', 0], ['GET /c: no answer within 200 ms', 200]]);
  });

  test('exec needs an engine that runs commands', async () => {
    assert.equal(await runProbe({ kind: 'exec', command: ['true'] }, { id: 'c1' }, 500, noRuntime), 'this engine cannot run commands in containers');
  });
});
