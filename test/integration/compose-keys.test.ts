// The Compose container keys on real Docker and Podman, through the real CLI: what the service writes is
// what the engine runs (read back with inspect and from inside the container), and a container without
// `logging` gets a capped log; secrets and configs are their files, read-only in the container; `runtime`
// is the OCI runtime that runs it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createRuntime } from '../../src/runtime/index.js';
import { execsCommands } from '../../src/runtime/types.js';
import { engineRequest, engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';

interface Inspect {
  Config: { Hostname: string; Domainname: string; WorkingDir: string; StopSignal?: string; StopTimeout?: number };
  HostConfig: {
    CapAdd: string[] | null; Tmpfs?: Record<string, string>; ExtraHosts: string[] | null; Init?: boolean; Sysctls?: Record<string, string>;
    Ulimits: { Name: string; Soft: number; Hard: number }[] | null; PidsLimit?: number | null; LogConfig: { Type: string; Config: Record<string, string> };
    ShmSize: number; Memory: number;
  };
}

for (const engine of engines()) {
  describe(`Compose container keys on ${engine.kind}`, { skip: skipEngines }, () => {
    const project = `compose-${engine.kind}-${process.pid}`;
    const work = new Workdir();
    const rt = createRuntime(engine);
    /** the log driver and its cap as the engine keeps them: Podman's compatible inspect shows no options, its own API shows the size */
    const logCap = async (id: string) => {
      if (engine.kind === 'docker') return ((await engineRequest(engine.endpoint, 'GET', `/containers/${id}/json`)).body as Inspect).HostConfig.LogConfig;
      const { Type, Size } = ((await engineRequest(engine.endpoint, 'GET', `/v4.0.0/libpod/containers/${id}/json`)).body as { HostConfig: { LogConfig: { Type: string; Size: string } } }).HostConfig.LogConfig;
      return { Type, Size };
    };
    after(async () => {
      await removeProject(rt, project);
      work.remove();
    });

    test('what the service writes is what the engine runs; no logging means a capped log', { timeout: 120_000 }, async () => {
      work.write(`
version: 1
project: ${project}
sites:
  dc1: { role: edge, runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 100, memory: 100 } }
services:
  tuned:
    image: turtle-test/web:1
    hostname: tuned1
${engine.kind === 'docker' ? '    domainname: example.lan\n' : ''}    working_dir: /www
    stop_signal: SIGQUIT
    stop_grace_period: 3s
    cap_add: [NET_ADMIN]
    tmpfs: ["/scratch:size=1m"]
    extra_hosts: ["router:192.0.2.1"]
    init: true
    sysctls: { net.ipv4.ip_unprivileged_port_start: "80" }
    # nproc too: given any ulimit, Podman also sets nproc to its own default, which a host without
    # CAP_SYS_RESOURCE (this test machine) may not raise to
    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 }
    pids_limit: 64
    shm_size: 8m
    mem_limit: 64m
    logging: { driver: json-file, options: { max-size: 1m } }
  plain:
    image: turtle-test/web:1
`);
      const r = await work.json<{ outcome: string; sites: unknown }>(['deploy']);
      assert.equal(r.outcome, 'succeeded', JSON.stringify(r.sites));
      const [tuned, plain] = ['tuned', 'plain'].map((s) => async () => {
        const c = (await rt.list(project)).find((x) => x.service === s)!;
        return { id: c.id, doc: (await engineRequest(engine.endpoint, 'GET', `/containers/${c.id}/json`)).body as Inspect };
      });
      const t = await tuned!();
      const { Config: cfg, HostConfig: host } = t.doc;
      // Podman's inspect gives the stop signal as its number and shows no sysctls (read from inside below);
      // Podman sets no domain name, so validation refuses domainname on a Podman site
      assert.deepEqual(
        [cfg.Hostname, cfg.WorkingDir, cfg.StopSignal === '3' ? 'SIGQUIT' : cfg.StopSignal, cfg.StopTimeout, host.CapAdd?.map((c) => c.replace(/^CAP_/, '')), host.ExtraHosts, host.Init],
        ['tuned1', '/www', 'SIGQUIT', 3, ['NET_ADMIN'], ['router:192.0.2.1'], true],
      );
      assert.deepEqual([host.Ulimits?.map((u) => ({ ...u, Name: u.Name.replace(/^RLIMIT_/, '').toLowerCase() })).find((u) => u.Name === 'nofile'), host.PidsLimit, host.ShmSize, host.Memory], [{ Name: 'nofile', Soft: 1024, Hard: 2048 }, 64, 8 * 2 ** 20, 64 * 2 ** 20]);
      assert.deepEqual(await logCap(t.id), engine.kind === 'docker' ? { Type: 'json-file', Config: { 'max-size': '1m' } } : { Type: 'json-file', Size: '1MB' });
      // from inside: the host name, the /etc/hosts line, the tmpfs mount and the open-files limit
      assert.ok(execsCommands(rt));
      const inside = async (cmd: string) => rt.exec(t.id, ['sh', '-c', cmd], 20_000);
      assert.deepEqual(
        [
          await inside('[ "$(hostname)" = tuned1 ]'), await inside('grep -q "192.0.2.1.*router" /etc/hosts'), await inside('grep -q " /scratch tmpfs" /proc/mounts'),
          await inside('grep -Eq "^Max open files +1024 +2048 " /proc/1/limits'), await inside('[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = 80 ]'), await inside(`[ "$(cat /proc/sys/kernel/domainname)" = ${engine.kind === 'docker' ? 'example.lan' : '"(none)"'} ]`),
        ],
        [0, 0, 0, 0, 0, 0], `on ${engine.kind}`,
      );
      const p = await plain!();
      assert.deepEqual(await logCap(p.id), engine.kind === 'docker' ? { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } : { Type: 'k8s-file', Size: '10MB' });
      // and a second deploy of the same spec changes nothing
      const again = await work.json<{ outcome: string }>(['deploy']);
      assert.equal(again.outcome, 'no-op');
    });

    test('secrets and configs are their files, read-only at /run/secrets/<target> and the config\'s target; runtime picks the OCI runtime', { timeout: 120_000 }, async () => {
      mkdirSync(join(work.dir, 'db'), { recursive: true });
      writeFileSync(join(work.dir, 'db', 'password.txt'), 'hunter2\n');
      writeFileSync(join(work.dir, 'site.conf'), 'listen 80;\n');
      work.write(`
name: ${project}
sites:
  dc1: { role: edge, runtime: ${engine.kind}, engine: "${engine.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 100, memory: 100 } }
services:
  app:
    image: turtle-test/web:1
    runtime: runc
    secrets: [db-password, { source: db-password, target: root_pw }]
    configs: [{ source: site, target: /etc/site.conf }]
secrets:
  db-password: { file: ./db/password.txt }
configs:
  site: { file: site.conf }
`);
      const r = await work.json<{ outcome: string; sites: unknown }>(['deploy']);
      assert.equal(r.outcome, 'succeeded', JSON.stringify(r.sites));
      const c = (await rt.list(project)).find((x) => x.service === 'app')!;
      const inside = async (cmd: string) => rt.exec(c.id, ['sh', '-c', cmd], 20_000);
      assert.deepEqual(
        [
          await inside('[ "$(cat /run/secrets/db-password)" = hunter2 ]'), await inside('[ "$(cat /run/secrets/root_pw)" = hunter2 ]'),
          await inside('grep -q "listen 80;" /etc/site.conf'), await inside('echo x > /run/secrets/db-password'), await inside('echo x > /etc/site.conf'),
        ],
        [0, 0, 0, 1, 1], `on ${engine.kind}: readable, and read-only`,
      );
      // the OCI runtime as each engine records it (Podman's own API names it)
      const runtime = engine.kind === 'docker'
        ? ((await engineRequest(engine.endpoint, 'GET', `/containers/${c.id}/json`)).body as { HostConfig: { Runtime: string } }).HostConfig.Runtime
        : ((await engineRequest(engine.endpoint, 'GET', `/v4.0.0/libpod/containers/${c.id}/json`)).body as { OCIRuntime: string }).OCIRuntime;
      assert.equal(runtime, 'runc');
      // the value is in no inspect: only the path is
      const inspect = JSON.stringify((await engineRequest(engine.endpoint, 'GET', `/containers/${c.id}/json`)).body);
      assert.equal(inspect.includes('hunter2'), false);
      assert.ok(inspect.includes(join(work.dir, 'db', 'password.txt')));
    });
  });
}
