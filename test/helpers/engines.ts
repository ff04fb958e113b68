// The real engines the integration suites run against (started by `bash scripts/engines.sh start`).
import { request } from 'node:http';
import { readReply } from './_reply.js';
import type { RuntimeKind } from '../../src/domain/types.js';

export interface TestEngine {
  kind: RuntimeKind;
  endpoint: string;
}

export const defaultEndpoints: Readonly<Record<RuntimeKind, string>> = {
  docker: 'unix:///run/turtle-test/docker.sock',
  podman: 'unix:///run/turtle-test/podman.sock',
};

/** Both engines, endpoints overridable with TURTLE_TEST_DOCKER / TURTLE_TEST_PODMAN. */
export function engines(): TestEngine[] {
  return [
    { kind: 'docker', endpoint: process.env.TURTLE_TEST_DOCKER || defaultEndpoints.docker },
    { kind: 'podman', endpoint: process.env.TURTLE_TEST_PODMAN || defaultEndpoints.podman },
  ];
}

/** Set TURTLE_SKIP_ENGINES=1 to skip suites that need real engines (they fail loudly otherwise). */
export const skipEngines: false | string =
  process.env.TURTLE_SKIP_ENGINES === '1' ? 'TURTLE_SKIP_ENGINES=1: real-engine tests skipped' : false;

export type TestImage = 'web:1' | 'web:2' | 'web:3' | 'web:broken' | 'tools:1';

/**
 * The reference to use in a ContainerSpec. The same short name works on both engines: Podman stores the
 * images as `localhost/turtle-test/…` and resolves the short name to them locally (checked through its
 * Docker-compatible API), but reports them back with the `localhost/` prefix.
 */
export function testImage(_kind: RuntimeKind, name: TestImage): string {
  return `turtle-test/${name}`;
}

export interface EngineReply {
  status: number;
  body: unknown;
}

/**
 * One request straight to an engine, bypassing the adapter: to check what it really wrote, and to make
 * containers turtle did not create. Test-only; production code talks to engines through src/runtime.
 */
export function engineRequest(endpoint: string, method: string, path: string, body?: unknown): Promise<EngineReply> {
  const target = endpoint.startsWith('unix://') ? { socketPath: endpoint.slice('unix://'.length) } : hostOf(endpoint);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      readReply(res).then(({ status, body }) => resolve({ status, body }), reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function hostOf(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

interface ProjectRuntime {
  list(project: string): Promise<Array<{ id: string }>>;
  remove(id: string): Promise<void>;
  networks?(project: string): Promise<Array<{ id: string }>>;
  removeNetwork?(id: string): Promise<void>;
}

/** Removes every container and then every network turtle made for `project` (a leaked network takes one of the engine's address pools). */
export async function removeProject(rt: ProjectRuntime, project: string): Promise<void> {
  for (const c of await rt.list(project)) await rt.remove(c.id);
  for (const n of (await rt.networks?.(project)) ?? []) await rt.removeNetwork?.(n.id);
}
