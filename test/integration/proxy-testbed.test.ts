// A proxied service on the test bed's dc1, converged by dc1's own agent (desired state over mutual TLS):
// the agent runs the site proxy in dc1's namespace, clients on the host reach the service at dc1's address,
// and an update pushed to the agent moves every request to the new version without a failed one.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { proxyDir } from '../../src/proxy/index.js';
import { until, type Identity } from '../helpers/agent.js';
import { holdTestbed, siteApi, skipTestbed, testbed, testbedIdentity } from '../helpers/testbed.js';
import { desiredState } from '../helpers/desired.js';

const PORT = 18_480;
const project = `pxtb-${process.pid}`;

function desired(version: string) {
  return JSON.stringify(desiredState(`version: 1
project: ${project}
sites:
  dc1: { runtime: docker, engine: "${testbed.sites.dc1.engine.endpoint}", capacity: { cpus: 2, memory: 2g } }
services:
  web:
    image: turtle-test/web:${version}
    ports: ["${PORT}:80"]
    proxy: http
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 1s, timeout: 10s, retries: 5 }
    update: { min_healthy: 1s, drain_timeout: 5s }
`, 'dc1'));
}

async function version(): Promise<string | undefined> {
  const res = await fetch(`http://${testbed.sites.dc1.address}:${PORT}/`, { signal: AbortSignal.timeout(10_000) });
  return res.ok ? (await res.text()).trim() : undefined;
}

describe('a proxied service on the test bed, converged by the dc1 agent', { skip: skipTestbed, timeout: 600_000 }, () => {
  let operator: Identity;
  let testbedHeld: { release: () => Promise<void> } | undefined;

  before(async () => {
    // the test bed may be up already (another suite, or by hand): then it is left up
    testbedHeld = await holdTestbed();
    operator = testbedIdentity('operator');
  });
  after(async () => {
    // an empty desired state: the agent removes the project's containers, the proxy among them
    await siteApi('dc1', operator, 'PUT', '/v1/desired', { body: JSON.stringify({ project, specHash: '0'.repeat(64), containers: [] }) }).catch(() => undefined);
    await testbedHeld?.release();
    rmSync(dirname(proxyDir(project, 'dc1')), { recursive: true, force: true });
  });

  test('the agent starts the proxy and the service; an update through the agent fails no request', async () => {
    const put = await siteApi('dc1', operator, 'PUT', '/v1/desired', { body: desired('1') });
    assert.equal(put.status, 202, put.text);
    assert.equal(await until('web 1 through the proxy at dc1', async () => ((await version()) === 'web 1' ? 'web 1' : undefined), 120_000), 'web 1');

    let served = 0;
    const failures: string[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        try {
          const v = await version();
          if (v === undefined) failures.push('non-2xx');
          else served++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    assert.equal((await siteApi('dc1', operator, 'PUT', '/v1/desired', { body: desired('2') })).status, 202);
    await until('web 2 through the proxy at dc1', async () => ((await version()) === 'web 2' ? 'web 2' : undefined), 180_000);
    await sleep(1_000);
    loading = false;
    await load;
    console.log(`proxy on the test bed (dc1 agent, docker): ${served} requests served during the update; failures: ${failures.length}`);
    assert.deepEqual(failures, []);
    assert.ok(served > 0);
  });
});
