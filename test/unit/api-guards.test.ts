// The pure parts of the listeners' hardening: cross-site detection, stream caps, env redaction, safe log
// text, host_ip checks, client roles from certificates, and a stop recorded only once the engine stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossSite } from '../../src/agent/api/_guard.js';
import { RateBudget, StreamCaps } from '../../src/lib/streams.js';
import { withoutEnvValues } from '../../src/domain/redact.js';
import { printable } from '../../src/cli/output.js';
import { parseSpec } from '../../src/spec/index.js';
import { clientOf } from '../../src/pki/server-tls.js';
import { serviceAction } from '../../src/agent/actions.js';
import type { ApiContext } from '../../src/agent/api/routes.js';
import type { TLSSocket } from 'node:tls';

test('crossSite: browsers from elsewhere are named; same origin, typed URLs and non-browsers pass', () => {
  const h = (headers: Record<string, string>) => crossSite({ headers: { host: 'router:7443', ...headers } });
  assert.equal(h({}), undefined);
  assert.equal(h({ 'sec-fetch-site': 'same-origin', origin: 'https://router:7443' }), undefined);
  assert.equal(h({ 'sec-fetch-site': 'none' }), undefined);
  assert.equal(h({ 'sec-fetch-site': 'same-site' }), 'a same-site request');
  assert.equal(h({ 'sec-fetch-site': 'cross-site' }), 'a cross-site request');
  assert.equal(h({ origin: 'https://evil.example' }), 'a request from https://evil.example');
  assert.equal(h({ origin: 'https://router:7444' }), 'a request from https://router:7444');
  assert.equal(h({ origin: 'null' }), 'a request from Origin null');
});

test('StreamCaps: per identity, per address (operators not counted), room kept for operators', () => {
  const caps = new StreamCaps({ perIdentity: 2, perOperator: 3, perAddress: 3, total: 6, operatorRoom: 2 });
  const obs = (n: number, address = '10.0.0.1') => ({ identity: `observer:o${n}`, address, operator: false });
  const a = caps.take(obs(1));
  assert.ok('release' in a);
  assert.ok('release' in caps.take(obs(1)));
  assert.deepEqual(caps.take(obs(1)), { refused: 'this client already holds 2 open streams (at most 2)' });
  assert.ok('release' in caps.take(obs(2)));
  assert.deepEqual(caps.take(obs(3)), { refused: '10.0.0.1 already holds 3 open streams (at most 3)' });
  assert.ok('release' in caps.take(obs(3, '10.0.0.2')));
  // 4 open; other roles may use 6 - 2 = 4
  assert.deepEqual(caps.take(obs(4, '10.0.0.3')), { refused: 'the server holds 4 open streams, its limit for this role' });
  const op = { identity: 'operator:alice', address: '10.0.0.1', operator: true };
  assert.ok('release' in caps.take(op));
  assert.ok('release' in caps.take(op));
  assert.deepEqual(caps.take(op), { refused: 'the server holds 6 open streams, its limit' });
  if ('release' in a) {
    a.release();
    a.release(); // twice is once
  }
  assert.equal(caps.size, 5);
  assert.ok('release' in caps.take(op));
});

test('withoutEnvValues keeps the names, drops every value, and is idempotent', () => {
  const state = { project: 'p', specHash: 'h', containers: [{ service: 'web', env: { B: 'secret', A: 'x' } }] } as never;
  const once = withoutEnvValues(state);
  assert.deepEqual(once, { project: 'p', specHash: 'h', containers: [{ service: 'web', envNames: ['A', 'B'] }] });
  assert.deepEqual(withoutEnvValues(once as never), once);
  assert.ok(!JSON.stringify(once).includes('secret'));
});

test('printable shows control characters and bidi overrides instead of letting them act', () => {
  assert.equal(printable('plain text\twith a tab'), 'plain text\twith a tab');
  assert.equal(printable('\x1b[31mred\x1b[0m'), '\\x1b[31mred\\x1b[0m');
  assert.equal(printable('over\rwrite'), 'over\\x0dwrite');
  assert.equal(printable('\x9b2J \u202eevil'), '\\x9b2J \\u{202e}evil');
  assert.equal(printable('héllo ✓'), 'héllo ✓');
});

test('host_ip must be an IP address, in short and long port syntax', () => {
  const head = 'version: 1\nproject: p\nsites:\n  dc1: { capacity: { cpus: 1, memory: 1g } }\nservices:\n  web:\n    image: nginx\n';
  assert.throws(() => parseSpec(`${head}    ports: ["router.lan:8080:80"]\n`, 'turtle.yaml', {}), (err: Error & { problems?: { message: string }[] }) => {
    assert.match(JSON.stringify(err), /host address \\"router\.lan\\" is not an IP address/);
    return true;
  });
  assert.throws(() => parseSpec(`${head}    ports: [{ target: 80, published: 8080, host_ip: "0.0.0.0\\n  bind *" }]\n`, 'turtle.yaml', {}), (err: Error) => {
    assert.match(JSON.stringify(err), /host_ip must be an IP address/);
    return true;
  });
  const ok = parseSpec(`${head}    ports: ["[::1]:8080:80", { target: 81, published: 8081, host_ip: 127.0.0.1 }]\n`, 'turtle.yaml', {});
  assert.deepEqual(ok.services.web?.ports.map((p) => p.hostIp), ['::1', '127.0.0.1']);
});

test("clientOf: the role is the certificate's OU; an agent's certificate or none is refused", () => {
  const socket = (subject: Record<string, unknown>) => ({ getPeerCertificate: () => ({ subject, serialNumber: 'AB' }), remoteAddress: '10.0.0.9' }) as unknown as TLSSocket;
  assert.deepEqual(clientOf(socket({ CN: 'alice', OU: 'operator' })), { role: 'operator', name: 'alice', identity: 'operator:alice:AB', address: '10.0.0.9' });
  assert.deepEqual(clientOf(socket({ CN: 'p', OU: 'peer' })), { role: 'peer', name: 'p', identity: 'peer:p:AB', address: '10.0.0.9' });
  assert.equal((clientOf(socket({ CN: 'dc2', OU: 'agent' })) as { refused: string }).refused, "an agent's certificate is not a client certificate");
  assert.equal((clientOf(socket({ CN: 'x', OU: ['operator', 'agent'] })) as { refused: string }).refused, 'the client certificate names no turtle role');
});

test('a stop is recorded only once the engine stopped every container', async () => {
  const stopped = new Set<string>();
  const events: string[] = [];
  const ctx = (failStop: boolean) => ({
    site: 'dc1',
    store: { setStopped: (_s: string, svc: string, on: boolean) => (on ? stopped.add(svc) : stopped.delete(svc)), events: { append: (e: { message: string }) => events.push(e.message) } },
    reconciler: { desiredChanged: () => undefined, exclusive: <T>(fn: () => Promise<T>) => fn(), trigger: async () => undefined },
    monitor: { expectingExits: <T>(_s: string, fn: () => Promise<T>) => fn() },
    runtime: () => ({
      list: async () => [{ id: 'c1', site: 'dc1', service: 'web', state: 'running' }],
      stop: async () => {
        if (failStop) throw new Error('engine: cannot stop c1');
      },
    }),
  }) as unknown as ApiContext;
  await assert.rejects(serviceAction(ctx(true), 'p', 'web', 'stop', 'operator alice'), /cannot stop c1/);
  assert.deepEqual([...stopped], []);
  assert.deepEqual(events, []);
  assert.equal(await serviceAction(ctx(false), 'p', 'web', 'stop', 'operator alice'), 1);
  assert.deepEqual([...stopped], ['web']);
  assert.deepEqual(events, ['web: stop by operator alice']);
});

test('RateBudget: a reader spends its identity\'s and its address\'s tokens; operators are never held', () => {
  let now = 0;
  const budget = new RateBudget({ perIdentity: { rate: 10, burst: 20 }, perAddress: { rate: 15, burst: 30 } }, () => now);
  const a = { identity: 'observer:a', address: '10.0.0.1', operator: false };
  const b = { identity: 'observer:b', address: '10.0.0.1', operator: false };
  assert.equal(budget.delayMs(a, 20), 0);
  assert.equal(budget.delayMs(a, 5), 500); // 5 short at 10 a second
  assert.equal(budget.delayMs(b, 5), 0); // b has its own 20, the address 5 left
  assert.equal(budget.delayMs(b, 10), 667); // the address: 5 short at 15 a second
  now = 2_000;
  assert.equal(budget.delayMs(b, 1), 0);
  assert.equal(budget.delayMs({ identity: 'operator:o', address: '10.0.0.1', operator: true }, 1e9), 0);
});
