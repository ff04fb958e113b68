// The three-site test bed: up, each agent answers over mutual TLS only, a cut site is unreachable while the
// others answer, healing brings it back, and teardown leaves nothing behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Identity } from '../helpers/agent.js';
import { engineRequest } from '../helpers/engines.js';
import {
  cutSite, healSite, leftovers, siteApi, skipTestbed, testbed, testbedDown, testbedIdentity, testbedScript, testbedUp,
} from '../helpers/testbed.js';

describe('three-site test bed', { skip: skipTestbed, timeout: 300_000 }, () => {
  let operator: Identity;
  let observer: Identity;

  before(async () => {
    await testbedDown(); // a crashed earlier run must not matter
    const { output } = await testbedUp();
    console.log(output.trimEnd());
    operator = testbedIdentity('operator');
    observer = testbedIdentity('observer');
  });
  after(async () => {
    await testbedDown();
  });

  test('each edge agent answers over mutual TLS at its own address, and refuses a client without a certificate', async () => {
    for (const site of ['dc1', 'dc2'] as const) {
      const r = await siteApi(site, operator, 'GET', '/v1/desired');
      assert.equal(r.status, 200, `${site}: ${r.text}`);
      const o = await siteApi(site, observer, 'GET', '/v1/observed');
      assert.equal(o.status, 200, `${site}: ${o.text}`);
      await assert.rejects(siteApi(site, undefined, 'GET', '/v1/desired'), /certificate|socket hang up|ECONNRESET|alert/);
    }
  });

  test('each site engine has the test images and the site proxy image, loaded without a registry', async () => {
    for (const site of ['dc1', 'dc2'] as const) {
      const { endpoint } = testbed.sites[site].engine;
      for (const ref of ['turtle-test/web:1', 'turtle-test/web:2', 'turtle-test/web:broken', 'turtle/haproxy:2.6']) {
        assert.equal((await engineRequest(endpoint, 'GET', `/images/${ref}/json`)).status, 200, `${site}: ${ref}`);
      }
    }
  });

  test('the sites reach one another across the bridge, and status says each is up', async () => {
    const status = (await testbedScript('status')).output;
    assert.match(status, /dc1 10\.231\.0\.11: link UP; engine: docker up; agent https:\/\/10\.231\.0\.11:7443: answers/);
    assert.match(status, /dc2 10\.231\.0\.12: link UP; engine: podman up; agent https:\/\/10\.231\.0\.12:7443: answers/);
    assert.match(status, /dc3 10\.231\.0\.13: link UP; engine: none; agent https:\/\/10\.231\.0\.13:7443: none/);
    // dc3 (the observer's) opens TCP connections to both agents across the bridge
    for (const site of ['dc1', 'dc2'] as const) {
      execFileSync('nsenter', ['--net=/run/netns/dc3', 'bash', '-c', `exec 3<>/dev/tcp/${testbed.sites[site].address}/7443`], { timeout: 5_000 });
    }
  });

  for (const how of ['link', 'firewall'] as const) {
    test(`cut dc1 (${how}): dc1 is unreachable while dc2 answers; heal: dc1 answers again`, async () => {
      await cutSite('dc1', how);
      try {
        await assert.rejects(siteApi('dc1', operator, 'GET', '/v1/desired', { timeoutMs: 2_000 }), /no answer from dc1|EHOSTUNREACH|ECONNREFUSED|ETIMEDOUT|EPERM/);
        assert.equal((await siteApi('dc2', operator, 'GET', '/v1/desired')).status, 200);
        assert.match((await testbedScript('status')).output, how === 'link' ? /dc1 10\.231\.0\.11: link DOWN/ : /dc1 10\.231\.0\.11: link UP, firewalled/);
      } finally {
        await healSite('dc1');
      }
      assert.equal((await siteApi('dc1', operator, 'GET', '/v1/desired')).status, 200);
    });
  }

  test('teardown leaves no namespace, link, mount, iptables rule or process, and is idempotent', async () => {
    await testbedDown();
    assert.deepEqual(await leftovers(), { namespaces: [], links: [], mounts: [], iptables: [], processes: [] });
    const again = await testbedDown();
    assert.equal(again.output.trim(), 'testbed: down: nothing of the test bed is left');
  });
});
