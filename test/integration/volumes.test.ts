// Named volumes on real Docker and Podman, through the real CLI: two projects on one site that both
// declare `data` get a volume each (`<project>_data`), and what one writes the other never sees; an
// external volume the site lacks stops the deploy before anything is made.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { execsCommands } from '../../src/runtime/types.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';

for (const engine of engines()) {
  describe(`project volumes on ${engine.kind}`, { skip: skipEngines }, () => {
    const projects = ['a', 'b'].map((p) => `vol${p}-${engine.kind}-${process.pid}`);
    const works = projects.map(() => new Workdir());
    const rt = createRuntime(engine);
    /** one service mounting `mount`, with the top-level volume `volume` */
    const stack = (project: string, mount: string, volume: string) => `
name: ${project}
sites:
  dc1: { role: edge, runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g } }
services:
  app:
    image: turtle-test/web:1
    volumes: ["${mount}"]
volumes:
  ${volume}
`;
    after(async () => {
      for (const p of projects) await removeProject(rt, p);
      for (const p of projects) await engineRequest(engine.endpoint, 'DELETE', `/volumes/${p}_data`);
      for (const w of works) w.remove();
    });

    test('two projects declaring the same volume do not share it', { timeout: 120_000 }, async () => {
      for (const [i, project] of projects.entries()) {
        works[i]!.write(stack(project, 'data:/data', 'data: {}'));
        const r = await works[i]!.json<{ outcome: string; sites: unknown }>(['deploy']);
        assert.equal(r.outcome, 'succeeded', JSON.stringify(r.sites));
      }
      const app = async (project: string) => (await rt.list(project)).find((c) => c.service === 'app')!;
      const mounts = async (project: string) =>
        ((await engineRequest(engine.endpoint, 'GET', `/containers/${(await app(project)).id}/json`)).body as { Mounts: { Name?: string; Destination: string }[] }).Mounts.filter((m) => m.Destination === '/data').map((m) => m.Name);
      assert.deepEqual([await mounts(projects[0]!), await mounts(projects[1]!)], [[`${projects[0]}_data`], [`${projects[1]}_data`]]);
      assert.ok(execsCommands(rt));
      assert.equal(await rt.exec((await app(projects[0]!)).id, ['sh', '-c', 'echo mine > /data/who'], 20_000), 0);
      assert.notEqual(await rt.exec((await app(projects[1]!)).id, ['sh', '-c', 'test -e /data/who'], 20_000), 0);
    });

    test('an external volume the site lacks stops the deploy before anything is made; once made, it is mounted by its name', { timeout: 120_000 }, async () => {
      const project = `volx-${engine.kind}-${process.pid}`;
      const shared = `${project}-shared`;
      const w = new Workdir();
      try {
        w.write(stack(project, 'media:/media', `media: { external: true, name: ${shared} }`));
        const r = await w.run(['deploy']);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, new RegExp(`external volume ${shared} does not exist on dc1`));
        assert.deepEqual(await rt.list(project), []);
        assert.equal((await engineRequest(engine.endpoint, 'GET', `/volumes/${shared}`)).status, 404, 'turtle made no volume');
        await engineRequest(engine.endpoint, 'POST', '/volumes/create', { Name: shared });
        const ok = await w.json<{ outcome: string; sites: unknown }>(['deploy']);
        assert.equal(ok.outcome, 'succeeded', JSON.stringify(ok.sites));
      } finally {
        await removeProject(rt, project);
        await engineRequest(engine.endpoint, 'DELETE', `/volumes/${shared}`);
        w.remove();
      }
    });
  });
}
