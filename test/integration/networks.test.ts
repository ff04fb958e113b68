// Project networks on real Docker and Podman, through the real CLI: services find each other by name,
// networks keep tiers apart, an internal network has no way out, a network removed by hand is drift
// and is put back, and a missing external network stops the deploy before anything is made.
// Names are tested on plain networks: Podman (netavark 1.x) answers no names on an `internal` one
// (containers/podman#22807), so the internal network here is tested for isolation only.
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { execsCommands } from '../../src/runtime/types.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';

interface DeployJson {
  outcome: string;
  sites: { steps: { step: string; status: string; error?: string }[]; error?: string }[];
}
interface DriftJson {
  sites: { site: string; clean: boolean; drift: { slot: string; kind: string; message: string }[] }[];
}

const LIMIT = { timeout: 120_000 };
const HEALTH = '{ test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 500ms, timeout: 3s, retries: 2 }';

/**
 * "Outside": a network namespace past this host (a veth, 198.51.100.0/30), serving HTTP. Containers reach it
 * only through the host's forwarding, as they would reach the internet; the host itself is another matter
 * (Docker's `internal` still lets a container reach the host's own addresses: turtle's host rules are for that).
 */
function outsideWorld(tag: string): { url: string; remove: () => void } {
  const ns = `turtle-out-${tag}`;
  const [host, peer] = [`tout${tag}`.slice(0, 15), `tin${tag}`.slice(0, 15)];
  const run = (cmd: string) => execSync(cmd, { stdio: ['ignore', 'ignore', 'pipe'] });
  const remove = () => {
    for (const cmd of [`ip netns pids ${ns} | xargs -r kill`, `ip link del ${host}`, `ip netns del ${ns}`]) {
      try {
        run(cmd);
      } catch {
        // already gone
      }
    }
  };
  remove();
  run(`ip netns add ${ns}`);
  run(`ip link add ${host} type veth peer name ${peer}`);
  run(`ip link set ${peer} netns ${ns}`);
  run(`ip addr add 198.51.100.1/30 dev ${host} && ip link set ${host} up`);
  run(`ip netns exec ${ns} sh -c 'ip addr add 198.51.100.2/30 dev ${peer} && ip link set ${peer} up && ip link set lo up && ip route add default via 198.51.100.1'`);
  const www = mkdtempSync(join(tmpdir(), 'turtle-out-'));
  writeFileSync(join(www, 'index.html'), 'outside\n');
  run(`ip netns exec ${ns} busybox httpd -p 8080 -h ${www}`);
  return { url: 'http://198.51.100.2:8080/', remove: () => (remove(), rmSync(www, { recursive: true, force: true })) };
}

for (const engine of engines()) {
  describe(`project networks on ${engine.kind}`, { skip: skipEngines }, () => {
    const project = `net-${engine.kind}-${process.pid}`;
    const work = new Workdir();
    const rt = createRuntime(engine);
    let outside: { url: string; remove: () => void };
    const spec = (extra = '') => `
version: 1
project: ${project}
sites:
  dc1: { role: edge, runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g } }
networks:
  front: {}
  back: {}
  vault: { internal: true }
services:
  web:
    image: turtle-test/web:1
    healthcheck: ${HEALTH}
    networks: [front]
  api:
    image: turtle-test/web:1
    healthcheck: ${HEALTH}
    container_name: the-api
    networks: { front: {}, back: { aliases: [backend] } }
  db:
    image: turtle-test/web:1
    healthcheck: ${HEALTH}
    networks: [back]
  plain:
    image: turtle-test/web:1
    healthcheck: ${HEALTH}
  locked:
    image: turtle-test/web:1
    healthcheck: ${HEALTH}
    networks: [vault]
${extra}`;
    /** the exit code of `sh -c CMD` in the running container of `service` */
    const sh = async (service: string, cmd: string): Promise<number> => {
      const c = (await rt.list(project)).find((x) => x.service === service && x.state === 'running');
      assert.ok(c, `${service} runs`);
      assert.ok(execsCommands(rt));
      return rt.exec(c.id, ['sh', '-c', cmd], 20_000);
    };
    const reach = (service: string, url: string) => sh(service, `wget -q -O /dev/null ${url}`);

    before(async () => {
      outside = outsideWorld(`${engine.kind.slice(0, 1)}${process.pid}`);
      work.write(spec());
    });
    after(async () => {
      outside.remove();
      await removeProject(rt, project);
      work.remove();
    });

    test('a three-tier stack: each tier reaches the next by service name, alias and container_name, and no further', LIMIT, async () => {
      const r = await work.json<DeployJson>(['deploy']);
      assert.equal(r.outcome, 'succeeded', JSON.stringify(r.sites));
      const steps = r.sites[0]!.steps.map((s) => s.step);
      assert.deepEqual(steps.filter((s) => s.includes('network')).sort(), [`create network ${project}_back`, `create network ${project}_default`, `create network ${project}_front`, `create network ${project}_vault (internal)`]);
      assert.deepEqual(
        [await reach('web', 'http://api/health'), await reach('web', 'http://the-api/health'), await reach('api', 'http://db/health'), await reach('db', 'http://backend/health')],
        [0, 0, 0, 0],
      );
      // web is not on back: db's name does not even resolve there; plain is on the project's default network only
      assert.notEqual(await reach('web', 'http://db/health'), 0);
      assert.notEqual(await reach('plain', 'http://api/health'), 0);
    });

    test('an internal network has no way out; a plain one reaches past the host', LIMIT, async () => {
      assert.equal(await reach('plain', outside.url), 0);
      assert.notEqual(await reach('locked', outside.url), 0);
    });

    test('a no-op deploy lists no networks and changes nothing', LIMIT, async () => {
      const r = await work.json<DeployJson & { sites: { engineCalls?: { mutating: number; read: number } }[] }>(['deploy']);
      assert.deepEqual([r.outcome, r.sites[0]?.engineCalls], ['no-op', { mutating: 0, read: 3 }]);
    });

    test('a network removed by hand is drift, named, and the next deploy puts it and its containers back', LIMIT, async () => {
      const found = await engineRequest(engine.endpoint, 'GET', `/networks/${project}_back`);
      const net = found.body as { Id: string; Containers: Record<string, unknown> };
      for (const id of Object.keys(net.Containers ?? {})) await engineRequest(engine.endpoint, 'POST', `/networks/${net.Id}/disconnect`, { Container: id, Force: true });
      assert.equal((await engineRequest(engine.endpoint, 'DELETE', `/networks/${net.Id}`)).status, 204);
      const d = await work.run(['drift', '--json']);
      assert.equal(d.code, 2, d.stderr);
      const drift = (JSON.parse(d.stdout) as DriftJson).sites[0]!.drift.map((x) => x.message);
      assert.deepEqual(drift, [`network ${project}_back is missing`, `api#1 is not on network ${project}_back`, `db#1 is not on network ${project}_back`]);
      const r = await work.json<DeployJson>(['deploy']);
      assert.equal(r.outcome, 'succeeded', JSON.stringify(r.sites));
      assert.equal(await reach('api', 'http://db/health'), 0);
      assert.deepEqual((await work.run(['drift'])).code, 0);
    });

    test('a missing external network stops the deploy before anything is made', LIMIT, async () => {
      work.write(spec(`  extra:\n    image: turtle-test/web:1\n    networks: [shared]\n`).replace('networks:\n  front: {}', `networks:\n  shared: { external: true, name: ${project}-nowhere }\n  front: {}`));
      const before = (await rt.list(project)).map((c) => c.id).sort();
      const r = await work.run(['deploy']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, new RegExp(`external network ${project}-nowhere does not exist on dc1`));
      assert.deepEqual((await rt.list(project)).map((c) => c.id).sort(), before);
      work.write(spec());
    });

    test('a network without a subnet takes the first /24 of the site\'s pool the host does not route; a written subnet the host routes is refused', LIMIT, async () => {
      // the router's own ranges, simulated: a blackhole route in the main table and a VPN's route in a table of its own
      const net = engine.kind === 'docker' ? '10.213' : '10.214';
      const pool = `${project}-pool`;
      const ip = (cmd: string) => execSync(`ip ${cmd}`, { stdio: ['ignore', 'ignore', 'pipe'] });
      const unroute = () => {
        for (const cmd of [`route del blackhole ${net}.0.0/24`, `route del blackhole ${net}.1.0/24 table 51820`])
          try {
            ip(cmd);
          } catch {
            // not there
          }
      };
      unroute();
      ip(`route add blackhole ${net}.0.0/24`);
      ip(`route add blackhole ${net}.1.0/24 table 51820`);
      const w = new Workdir();
      const poolRt = createRuntime(engine);
      try {
        const yaml = (ipam = '') => `
name: ${pool}
sites:
  dc1: { role: edge, runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g }, networks: { pool: [${net}.0.0/16] } }
networks:
  default: {${ipam}}
services:
  app: { image: turtle-test/web:1 }
`;
        w.write(yaml());
        const r = await w.json<DeployJson>(['deploy']);
        assert.equal(r.outcome, 'succeeded', JSON.stringify(r.sites));
        const doc = (await engineRequest(engine.endpoint, 'GET', `/networks/${pool}_default`)).body as { IPAM: { Config: { Subnet: string }[] } };
        assert.deepEqual(doc.IPAM.Config.map((c) => c.Subnet), [`${net}.2.0/24`]);
        // written, overlapping the host's route: refused before the engine is asked, naming both
        await removeProject(poolRt, pool);
        w.write(yaml(` ipam: { config: [{ subnet: ${net}.0.128/25 }] } `));
        const bad = await w.json<DeployJson>(['deploy']);
        assert.equal(bad.outcome, 'failed');
        assert.match(JSON.stringify(bad.sites), new RegExp(`its subnet ${net.replace('.', '\\.')}\\.0\\.128/25 overlaps the host's route ${net.replace('.', '\\.')}\\.0\\.0/24 \\(blackhole\\)`));
        assert.equal((await engineRequest(engine.endpoint, 'GET', `/networks/${pool}_default`)).status, 404);
      } finally {
        unroute();
        await removeProject(poolRt, pool);
        w.remove();
      }
    });
  });
}
