// The agent client gives up on a silent agent: a socket's timeout ends the request (it used to hang).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentConnection } from '../../src/client/_https.js';
import { ExitCode, TurtleError } from '../../src/lib/errors.js';
import { identityFiles, initCa, issueCert } from '../../src/pki/index.js';

test('an agent that completes the handshake and then says nothing: unreachable (no answer in time) after idleMs', { timeout: 10_000 }, async () => {
  const ca = mkdtempSync(join(tmpdir(), 'turtle-client-timeout-'));
  const held: TLSSocket[] = [];
  try {
    await initCa(join(ca, 'ca'));
    const agent = identityFiles((await issueCert(join(ca, 'ca'), { role: 'agent', name: 'dc1', hosts: ['127.0.0.1'] })).out);
    const me = identityFiles((await issueCert(join(ca, 'ca'), { role: 'operator', name: 'alice' })).out);
    const read = (f: { cert: string; key: string; ca: string }) => ({ cert: readFileSync(f.cert), key: readFileSync(f.key), ca: readFileSync(f.ca) });
    const server = createServer({ ...read(agent), requestCert: true }, (s) => held.push(s)); // reads the request, never answers
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    const conn = new AgentConnection('dc1', `https://127.0.0.1:${port}`, { ...read(me), dir: join(ca, 'ca', 'issued', 'alice'), name: 'alice', role: 'operator' });
    const started = Date.now();
    const err = await conn.json('GET', '/v1/desired', { idleMs: 300 }).then(() => undefined, (e: unknown) => e);
    const took = Date.now() - started;
    assert.ok(err instanceof TurtleError, String(err));
    assert.deepEqual([err.message, err.exitCode], [`site dc1: the agent at https://127.0.0.1:${port} is unreachable (no answer in time)`, ExitCode.unreachable]);
    assert.ok(took >= 250 && took < 5_000, `gave up after ${took} ms (idle 300 ms)`);
    for (const s of held) s.destroy();
    await new Promise((ok) => server.close(ok));
  } finally {
    rmSync(ca, { recursive: true, force: true });
  }
});
