// `turtle status` through the real CLI on two sites (Docker and Podman): one version everywhere, then a
// deploy to one site only (version skew flagged), and a site whose engine does not answer (exit 4).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import type { Status } from '../../src/domain/status.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';

const LIMIT = { timeout: 180_000 };

describe('turtle status on a Docker site and a Podman site', { skip: skipEngines }, () => {
  const project = `status-${process.pid}`;
  const [docker, podman] = engines();
  const work = new Workdir();
  const runtimes = [docker, podman].map((e) => createRuntime(e!));
  const site = (name: string, kind: string, endpoint: string) =>
    `  ${name}: { runtime: ${kind}, engine: "${endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }`;
  const spec = (web: string) => `version: 1
project: ${project}
sites:
${site('dc1', 'docker', docker!.endpoint)}
${site('dc2', 'podman', podman!.endpoint)}
${site('dc9', 'docker', 'unix:///run/turtle-test/nothing-here.sock')}
services:
  web:
    image: ${web}
    resources: { memory: 48m }
  api:
    image: turtle-test/web:1
`;
  const status = async (args: string[]) => {
    const r = await work.run(['status', ...args, '--json']);
    return { code: r.code, stderr: r.stderr, status: JSON.parse(r.stdout) as Status };
  };
  let v1 = '';

  before(() => work.write(spec('turtle-test/web:1')));
  after(async () => {
    for (const rt of runtimes) await removeProject(rt, project);
    work.remove();
  });

  test('after a deploy to both sites: both on the current version, every service current and healthy, no skew', LIMIT, async () => {
    const deployed = await work.run(['deploy', '--site', 'dc1,dc2']);
    assert.equal(deployed.code, 0, deployed.stderr);
    const { code, stderr, status: s } = await status(['--site', 'dc1,dc2']);
    assert.equal(code, 0, stderr);
    v1 = s.current;
    assert.match(v1, /^[0-9a-f]{12}$/);
    assert.deepEqual(
      s.sites.map((x) => [x.site, x.reachable, x.version, x.current, x.pending, x.lastDeployment?.id, x.lastDeployment?.outcome]),
      [
        ['dc1', true, v1, true, false, 1, 'succeeded'],
        ['dc2', true, v1, true, false, 1, 'succeeded'],
      ],
    );
    for (const x of s.sites) {
      assert.deepEqual(x.services, [
        { service: 'api', version: 'current', images: ['turtle-test/web:1'], running: 1, desired: 1, health: 'healthy' },
        { service: 'web', version: 'current', images: ['turtle-test/web:1'], running: 1, desired: 1, health: 'healthy' },
      ]);
    }
    assert.deepEqual(s.skew, []);

    const human = await work.run(['status', '--site', 'dc1,dc2']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^dc1:  version ${v1} \\(current\\)  last deployment #1 succeeded \\d+s ago\n  SERVICE  VERSION  IMAGE              READY  HEALTH\n  api      current  turtle-test/web:1  1/1    healthy\n  web      current  turtle-test/web:1  1/1    healthy\n`));
    assert.match(human.stdout, /\n\nno version skew\n$/);
  });

  test('web:2 deployed to dc1 only: each site its version, and web and the sites flagged as skewed', LIMIT, async () => {
    work.write(spec('turtle-test/web:2'));
    const deployed = await work.run(['deploy', '--site', 'dc1']);
    assert.equal(deployed.code, 0, deployed.stderr);
    const { code, stderr, status: s } = await status(['--site', 'dc1,dc2']);
    assert.equal(code, 0, stderr);
    const v2 = s.current;
    assert.notEqual(v2, v1);
    assert.deepEqual(s.sites.map((x) => [x.site, x.version, x.current, x.lastDeployment?.id]), [['dc1', v2, true, 2], ['dc2', v1, false, 1]]);
    assert.deepEqual(s.sites.map((x) => x.services.map((v) => `${v.service} ${v.version} ${v.images.join(',')} ${v.health}`)), [
      ['api current turtle-test/web:1 healthy', 'web current turtle-test/web:2 healthy'],
      // the release dc2 is on is in the store, so its web is named by that release's hash
      [`api current turtle-test/web:1 healthy`, `web ${v1} turtle-test/web:1 healthy`],
    ]);
    assert.deepEqual(s.skew, [
      { subject: 'spec', bySite: { dc1: v2, dc2: v1 } },
      { subject: 'web', bySite: { dc1: 'current', dc2: v1 } },
    ]);

    const human = await work.run(['status', '--site', 'dc1,dc2']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`\ndc2:  version ${v1} \\(not turtle.yaml\\)  last deployment #1 succeeded `));
    assert.match(human.stdout, new RegExp(`\n\nskew:\n  sites on different versions: dc1 ${v2}, dc2 ${v1}\n  web: dc1 current, dc2 ${v1}\n$`));
  });

  test('a site whose engine does not answer: the others shown, which one and why, exit 4', LIMIT, async () => {
    const r = await work.run(['status']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /^dc1: .*\n  SERVICE/);
    assert.match(r.stdout, /\n\ndc2: .*\n  SERVICE/);
    assert.match(r.stdout, /\n\ndc9:  version unknown  never deployed\n  unreachable: .*nothing-here\.sock/);
    assert.match(r.stderr, /^error: site dc9: .*nothing-here\.sock.*\nhint: the other sites are shown above/);

    const { code, status: s } = await status([]);
    assert.equal(code, 4);
    assert.deepEqual(s.sites.map((x) => [x.site, x.reachable]), [['dc1', true], ['dc2', true], ['dc9', false]]);
  });

  test('an unknown site is the usual clear error, exit 1', async () => {
    const r = await work.run(['status', '--site', 'dc7']);
    assert.deepEqual([r.code, r.stdout], [1, '']);
    assert.match(r.stderr, /^error: unknown site `dc7` \(sites in .*: dc1, dc2, dc9\)\nhint: did you mean `dc1`\?\n$/);
  });
});
