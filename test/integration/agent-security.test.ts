// The agent's API against the security review's findings, through a real agent on real Docker with each
// role's certificate: roles (agent certificates are no clients, peers reach only their routes, readers see
// no env values and start no reconcile), cross-site requests, caps on long-lived answers, Node's own
// errors as JSON, a flood of silent sockets, a CRL that fails closed, and a dashboard with a strict CSP.
import assert from 'node:assert/strict';
import { writeFileSync, copyFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { AgentFixture, api, until, type Identity } from '../helpers/agent.js';
import { desiredState } from '../helpers/desired.js';

const engine = engines()[0]!;
const project = `sec-${process.pid}`;
const CANARY = 'canary-Zq7wX2-value';

const desired = () => desiredState(`version: 1
project: ${project}
sites:
  dc1: { runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g } }
services:
  web:
    image: turtle-test/web:1
    environment: { DB_PASSWORD: ${CANARY}, MODE: demo }
    probe: { http: { port: 80, path: /health } }
`, 'dc1');

describe(`the agent's API, hardened (${engine.kind})`, { skip: skipEngines }, () => {
  const agent = new AgentFixture('dc1', engine.kind, engine.endpoint);
  const rt = createRuntime(engine);
  let operator: Identity;
  let observer: Identity;
  let peer: Identity;
  let otherAgent: Identity;
  /** reconcile runs so far, from the agent's own counter (a run with nothing to do writes no event) */
  const reconciles = async () => {
    const text = (await api(agent.port, operator, 'GET', '/metrics')).text;
    return [...text.matchAll(/^turtle_agent_reconciles_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };

  before(async () => {
    await agent.init();
    operator = await agent.identity('operator', 'alice');
    observer = await agent.identity('observer', 'bob');
    peer = await agent.identity('peer', 'dc2-peer');
    otherAgent = await agent.identity('agent', 'dc2');
    // a long resync: every reconcile in these tests is one a request started
    await agent.start({}, { resyncS: 600 });
    const put = await api(agent.port, operator, 'PUT', '/v1/desired', JSON.stringify(desired()));
    assert.equal(put.status, 202, put.text);
    await until('web running', async () => ((await rt.list(project)).some((c) => c.state === 'running') ? true : undefined), 60_000);
  });
  after(async () => {
    await agent.kill();
    await removeProject(rt, project);
    agent.remove();
  });

  test("another site's agent certificate cannot be a client: the handshake fails", async () => {
    await assert.rejects(api(agent.port, otherAgent, 'GET', '/v1/desired'), /certificate|alert|ECONNRESET|socket hang up/);
  });

  test('a peer reaches only its own routes: /healthz, and 403 everywhere else', async () => {
    assert.deepEqual((await api(agent.port, peer, 'GET', '/healthz')).body, { ok: true, site: 'dc1' });
    for (const path of ['/v1/desired', '/v1/events', '/v1/observed', '/v1/services/web/logs', '/metrics', '/dashboard/']) {
      const r = await api(agent.port, peer, 'GET', path);
      assert.equal(r.status, 403, path);
      assert.match((r.body as { error: string }).error, /^role peer may not /, path);
    }
    const stop = await api(agent.port, peer, 'POST', '/v1/services/web/stop', '{}');
    assert.deepEqual([stop.status, stop.body], [403, { error: 'role peer may not act on a service' }]);
  });

  test('an observer reads the desired state with env names but never a value; the operator sees the value', async () => {
    const seen = await api(agent.port, observer, 'GET', '/v1/desired');
    assert.equal(seen.status, 200);
    assert.ok(!seen.text.includes(CANARY), 'the value reached an observer');
    const web = (seen.body as { desired: { containers: { service: string; env?: unknown; envNames: string[] }[] } }).desired.containers.find((c) => c.service === 'web');
    assert.deepEqual([web?.env, web?.envNames], [undefined, ['DB_PASSWORD', 'MODE']]);
    assert.ok((await api(agent.port, operator, 'GET', '/v1/desired')).text.includes(CANARY));
  });

  test('observed?wait=1 from an observer starts no reconcile; from an operator it does', async () => {
    const before = await reconciles();
    assert.equal((await api(agent.port, observer, 'GET', '/v1/observed?wait=1')).status, 200);
    assert.equal(await reconciles(), before);
    assert.equal((await api(agent.port, operator, 'GET', '/v1/observed?wait=1')).status, 200);
    assert.ok((await reconciles()) > before);
  });

  test('a state-changing request from another site, or not JSON, is refused and changes nothing', async () => {
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ 'content-type': 'application/json', origin: 'https://evil.example' }, 403, /^a request from https:\/\/evil\.example may not act on a service$/],
      [{ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, 403, /^a cross-site request may not act on a service$/],
      [{ 'content-type': 'application/json', origin: 'null' }, 403, /Origin null/],
      [{ 'content-type': 'text/plain' }, 415, /^expected content-type: application\/json$/],
      [{ 'content-type': '' }, 415, /^expected content-type: application\/json$/],
    ];
    for (const [headers, status, message] of cases) {
      const r = await api(agent.port, operator, 'POST', '/v1/services/web/stop', headers['content-type'] === '' ? undefined : '{}', headers['content-type'] === '' ? {} : headers);
      assert.equal(r.status, status, JSON.stringify(headers));
      assert.match((r.body as { error: string }).error, message);
    }
    const d = (await api(agent.port, operator, 'GET', '/v1/desired')).body as { stopped: string[] };
    assert.deepEqual(d.stopped, []);
    assert.ok((await rt.list(project)).some((c) => c.state === 'running'));
    // the same page's own origin is fine (the agent's dashboard)
    const same = await api(agent.port, operator, 'POST', '/v1/services/web/restart', '{}', { 'content-type': 'application/json', origin: `https://127.0.0.1:${agent.port}`, 'sec-fetch-site': 'same-origin' });
    assert.equal(same.status, 200, same.text);
  });

  test('changes name the certificate that made them', async () => {
    const events = ((await api(agent.port, operator, 'GET', '/v1/events?limit=10000')).body as { events: { type: string; message: string; data?: { by?: string } }[] }).events;
    assert.match(events.find((e) => e.type === 'desired.replaced')?.message ?? '', /^desired state replaced by operator alice: 1 containers$/);
    assert.equal(events.find((e) => e.type === 'service.restart')?.data?.by, 'operator alice');
  });

  test('long-lived answers are capped per identity (429, JSON), and an operator is still answered', async () => {
    const held: (() => void)[] = [];
    const open = (who: Identity) => stream(agent.port, who, '/v1/events', { accept: 'text/event-stream' });
    try {
      for (let i = 0; i < 8; i++) {
        const s = await open(observer);
        assert.equal(s.status, 200);
        held.push(s.close);
      }
      const refused = await open(observer);
      held.push(refused.close);
      assert.equal(refused.status, 429);
      assert.match(refused.head, /application\/json/);
      assert.match(JSON.parse(refused.first).error, /^this client already holds 8 open streams \(at most 8\)$/);
      // a follow of logs counts too; the operator has its own slots
      const op = await stream(agent.port, operator, '/v1/services/web/logs?follow=1&tail=1', {});
      held.push(op.close);
      assert.equal(op.status, 200);
      assert.equal((await api(agent.port, operator, 'GET', '/v1/desired')).status, 200);
    } finally {
      for (const c of held) c();
    }
    // slots come back when the streams end
    await until('slots back', async () => {
      const again = await stream(agent.port, observer, '/v1/events', { accept: 'text/event-stream' });
      again.close();
      return again.status === 200 ? true : undefined;
    }, 10_000);
  });

  test("Node's own answers to bad HTTP are JSON: 431 for huge headers, 400 for a broken request line", async () => {
    const huge = await raw(agent.port, operator, `GET /v1/desired HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.match(huge, /content-type: application\/json/);
    assert.match(huge, /\{"error":"the request headers are too large"\}$/);
    const broken = await raw(agent.port, operator, 'GET /v1/desired HTTP/9\x01\r\n\r\n');
    assert.match(broken, /^HTTP\/1\.1 400 /);
    assert.match(broken, /\{"error":"the request is not valid HTTP \(HPE_[A-Z_]+\)"\}$/);
  });

  test('a flood of sockets that never shake hands does not lock an operator out', async () => {
    const silent: Socket[] = [];
    // a client that has begun its handshake (the first byte of a hello) is not pushed out by the flood after it
    const talking = tcpConnect(agent.port, '127.0.0.1');
    talking.on('error', () => undefined);
    await new Promise<void>((r) => talking.once('connect', () => r()));
    talking.write(Buffer.from([0x16]));
    await new Promise((r) => setTimeout(r, 100));
    try {
      for (let i = 0; i < 200; i++) {
        const s = tcpConnect(agent.port, '127.0.0.1');
        s.on('error', () => undefined);
        silent.push(s);
      }
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      assert.equal((await api(agent.port, operator, 'GET', '/v1/desired')).status, 200);
      assert.ok(Date.now() - started < 3_000, `answered after ${Date.now() - started} ms`);
      // all but the newest 64 were dropped
      const closed = silent.filter((s) => s.destroyed || s.readyState !== 'open').length;
      assert.ok(closed >= 200 - 64, `${closed} of 200 silent sockets closed`);
      assert.equal(talking.destroyed || talking.readyState !== 'open', false, 'the client mid-handshake is still connected');
    } finally {
      talking.destroy();
      for (const s of silent) s.destroy();
    }
  });

  test('the agent dashboard sends a strict Content-Security-Policy', async () => {
    const page = await api(agent.port, operator, 'GET', '/dashboard/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /^default-src 'none'; script-src 'self'; style-src 'self';/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
  });

  test('a host_ip that is not an IP is refused before it reaches haproxy.cfg', async () => {
    const d = desired() as { containers: { ports: unknown[] }[] };
    d.containers[0]!.ports = [{ host: 8080, hostIp: '0.0.0.0:1\n  bind 0.0.0.0', container: 80, protocol: 'tcp' }];
    const r = await api(agent.port, operator, 'PUT', '/v1/desired', JSON.stringify(d));
    assert.equal(r.status, 400);
    assert.match(JSON.stringify(r.body), /not an IP address/);
  });

  // last: it breaks and restores the agent's CRL
  test('an emptied or garbled CRL refuses every client (503, JSON, in the events) until it is fixed', async () => {
    const crl = `${agent.tlsDir}/crl.pem`;
    copyFileSync(crl, `${crl}.good`);
    for (const bad of ['', 'not a CRL\n']) {
      writeFileSync(crl, bad);
      const refused = await until('refused', async () => {
        const r = await api(agent.port, operator, 'GET', '/v1/desired').catch(() => undefined);
        return r?.status === 503 ? r : undefined;
      }, 10_000);
      assert.match((refused.body as { error: string }).error, /^the agent's CRL cannot be used \(.*crl\.pem (is empty|is not a CRL in PEM form)\): every client is refused until it is fixed$/);
      const health = await api(agent.port, observer, 'GET', '/healthz');
      assert.equal(health.status, 503);
    }
    copyFileSync(`${crl}.good`, crl);
    await until('accepted again', async () => ((await api(agent.port, operator, 'GET', '/v1/desired').catch(() => undefined))?.status === 200 ? true : undefined), 10_000);
    const events = ((await api(agent.port, operator, 'GET', '/v1/events?limit=10000')).body as { events: { type: string }[] }).events.map((e) => e.type);
    assert.ok(events.includes('agent.crl-invalid') && events.includes('agent.crl-valid'), events.join());
  });
});

/** Opens a long-lived answer: its status and head (and its body when refused), and how to close it. */
function stream(port: number, who: Identity, path: string, headers: Record<string, string>): Promise<{ status: number; head: string; first: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, ca: who.ca, cert: who.cert, key: who.key, headers, timeout: 15_000 }, (res) => {
      const answer = (first: string) => resolve({ status: res.statusCode ?? 0, head: JSON.stringify(res.headers), first, close: () => req.destroy() });
      if (res.statusCode === 200) return answer('');
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => answer(body));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

/** Bytes written as they are over mutual TLS, and everything the agent answers until it closes. */
function raw(port: number, who: Identity, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: who.ca, cert: who.cert, key: who.key, servername: '127.0.0.1' }, () => socket.write(text));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('end', () => resolve(got));
    socket.on('close', () => resolve(got));
    socket.on('error', (err) => (got ? resolve(got) : reject(err)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}
