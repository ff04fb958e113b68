// Two real agents (dc1 on Docker, dc2 on Podman) under one CA, so one observer certificate reads both;
// helpers to give them desired state and to read their own event stores.
import { issueCert } from '../../src/pki/index.js';
import { Store, type TurtleEvent } from '../../src/store/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { engines, removeProject } from './engines.js';
import { AgentFixture, api, type Identity } from './agent.js';
import { desiredState } from './desired.js';

export interface TwoSites {
  dc1: AgentFixture;
  dc2: AgentFixture;
  operator: Identity;
  observer: Identity;
}

export async function startTwoSites(): Promise<TwoSites> {
  const [docker, podman] = engines() as [ReturnType<typeof engines>[0], ReturnType<typeof engines>[0]];
  const dc1 = new AgentFixture('dc1', docker.kind, docker.endpoint);
  const dc2 = new AgentFixture('dc2', podman.kind, podman.endpoint);
  await dc1.init();
  await issueCert(dc1.caDir, { role: 'agent', name: 'dc2', hosts: ['127.0.0.1'], out: dc2.tlsDir });
  const operator = await dc1.identity('operator', 'alice');
  const observer = await dc1.identity('observer', 'watcher', ['127.0.0.1', 'localhost']);
  await Promise.all([dc1.start(), dc2.start()]);
  return { dc1, dc2, operator, observer };
}

/** Stops both agents and removes what they ran of `project` and their folders; safe on a half-started pair. */
export async function stopTwoSites(sites: TwoSites | undefined, project: string): Promise<void> {
  for (const s of [sites?.dc1, sites?.dc2]) {
    if (!s) continue;
    await s.kill();
    const rt = createRuntime({ kind: s.runtime as 'docker' | 'podman', endpoint: s.engine });
    await removeProject(rt, project).catch(() => undefined);
    s.remove();
  }
}

export interface ServiceWish {
  name: string;
  image?: string;
  /** seconds the service takes to start serving (it also gets a start period), like a real service's boot */
  bootS?: number;
}

/**
 * The desired state of `site` for `project`: busybox web services with turtle's HTTP probe, rendered from
 * one spec naming both sites (as a deploy does), so equal services give equal spec hashes.
 */
export function desiredFor(project: string, site: { site: string }, services: ServiceWish[] = [{ name: 'web' }]) {
  const [docker, podman] = engines() as [ReturnType<typeof engines>[0], ReturnType<typeof engines>[0]];
  const body = services.map((s) => `  ${s.name}:
    image: ${s.image ?? 'turtle-test/web:1'}
    command: ["sh", "-c", "trap 'exit 0' TERM; echo started ${s.name} on $$SITE; (while true; do echo tick; sleep 2; done) & ${s.bootS ? `sleep ${s.bootS}; ` : ''}httpd -f -p 80 -h /www & wait"]
    probe: { http: { port: 80, path: /health }${s.bootS ? `, start_period: ${s.bootS * 3}s` : ''} }
`).join('');
  return desiredState(`version: 1
project: ${project}
sites:
  dc1: { runtime: ${docker.kind}, engine: "${docker.endpoint}", capacity: { cpus: 2, memory: 2g } }
  dc2: { runtime: ${podman.kind}, engine: "${podman.endpoint}", capacity: { cpus: 2, memory: 2g } }
services:
${body}overlays:
${['dc1', 'dc2'].map((x) => `  ${x}:\n    services:\n${services.map((v) => `      ${v.name}: { environment: { SITE: ${x} } }\n`).join('')}`).join('')}`, site.site);
}

/** PUT the desired state as the operator; tried again when the answer does not come (a loaded machine): the PUT is idempotent. */
export async function pushDesired(site: AgentFixture, operator: Identity, desired: unknown, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await api(site.port, operator, 'PUT', '/v1/desired', JSON.stringify(desired));
      if (r.status !== 202) throw new Error(`PUT /v1/desired on ${site.site}: ${r.status} ${r.text}`);
      return;
    } catch (err) {
      if (attempt >= attempts || !/timeout|ECONNRESET|socket hang up/.test(String(err))) throw err;
    }
  }
}

/** Every event in the agent's own store (read beside the running agent: SQLite WAL allows it). */
export function agentEvents(site: AgentFixture): TurtleEvent[] {
  const store = Store.open(site.state);
  try {
    return store.events.list({ site: site.site, after: 0, limit: 10_000_000 });
  } finally {
    store.close();
  }
}
