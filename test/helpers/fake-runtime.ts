// An in-memory engine for fast unit tests of the executor's ordering and failure handling.
// Real behaviour is covered by the integration tests against Docker and Podman.
import { TurtleError } from '../../src/lib/errors.js';
import type { ContainerSpec, ObservedContainer, Resources } from '../../src/domain/types.js';
import type { ContainerRuntime, ContainerStats, EngineInfo, ImageFacts, LogLine } from '../../src/runtime/types.js';
import { createHash } from 'node:crypto';

interface FakeContainer extends ObservedContainer {
  spec: ContainerSpec;
}

export class FakeRuntime implements ContainerRuntime {
  readonly kind = 'docker' as const;
  readonly endpoint = 'fake://';
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Set<string>();
  readonly calls: string[] = [];
  /** images whose containers exit right after start */
  crashing = new Set<string>();
  /** images whose containers never become healthy */
  unhealthy = new Set<string>();
  canUpdate = true;
  private next = 1;

  async check(): Promise<void> {}
  async ping(): Promise<EngineInfo> {
    return { kind: 'docker', version: 'fake', apiVersion: '1.41', os: 'linux', arch: 'x86_64', cpus: 2, memoryBytes: 1 };
  }
  async list(project: string): Promise<ObservedContainer[]> {
    return [...this.containers.values()].filter((c) => c.project === project).map(strip);
  }
  async create(spec: ContainerSpec): Promise<string> {
    this.calls.push(`create ${spec.service}#${spec.replica} ${spec.image}`);
    if (!this.images.has(spec.image)) throw new TurtleError(`no such image ${spec.image}`);
    const id = `c${this.next++}`;
    this.containers.set(id, {
      id, name: spec.name, project: spec.project, site: spec.site, service: spec.service, replica: spec.replica,
      image: spec.image, configHash: spec.configHash, resources: spec.resources, state: 'created', health: 'none',
      createdAt: new Date(Date.now() + this.next).toISOString(), spec,
    });
    return id;
  }
  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    const c = this.must(id);
    c.state = this.crashing.has(c.image) ? 'exited' : 'running';
    c.exitCode = this.crashing.has(c.image) ? 1 : undefined;
    c.health = c.spec.healthcheck ? (this.unhealthy.has(c.image) ? 'unhealthy' : 'healthy') : 'none';
  }
  async stop(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
    const c = this.containers.get(id);
    if (c) c.state = 'exited';
  }
  async restart(id: string): Promise<void> {
    await this.stop(id);
    await this.start(id);
  }
  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.containers.delete(id);
  }
  async updateResources(id: string, resources: Resources): Promise<void> {
    this.calls.push(`update ${id}`);
    if (!this.canUpdate) throw new TurtleError('the engine cannot change limits in place', { recoverable: false });
    this.must(id).resources = resources;
  }
  async inspect(id: string): Promise<ObservedContainer | undefined> {
    const c = this.containers.get(id);
    return c && strip(c);
  }
  async imageExists(ref: string): Promise<boolean> {
    return this.images.has(ref);
  }
  /** an image's ID: `imageIds` where a test set one (a moved tag), else one made of its name */
  readonly imageIds = new Map<string, string>();
  async imageFacts(ref: string): Promise<ImageFacts | undefined> {
    if (!this.images.has(ref)) return undefined;
    return { ref, id: this.imageIds.get(ref) ?? `sha256:${createHash('sha256').update(ref).digest('hex')}`, digests: [], user: '', sizeBytes: 1, healthcheck: false };
  }
  async pullImage(ref: string): Promise<void> {
    throw new TurtleError(`pull access denied for ${ref}`);
  }
  async importImage(_tar: string, ref: string): Promise<void> {
    this.images.add(ref);
  }
  async *logs(): AsyncIterable<LogLine> {}
  async stats(id: string): Promise<ContainerStats> {
    return { id, cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: 0 };
  }
  /** states of the containers of one slot, for assertions */
  slot(service: string, replica = 1): string[] {
    return [...this.containers.values()]
      .filter((c) => c.service === service && c.replica === replica)
      .map((c) => `${c.image}:${c.state}`);
  }
  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new TurtleError(`no such container ${id}`);
    return c;
  }
}

function strip({ spec: _spec, ...c }: FakeContainer): ObservedContainer {
  return { ...c };
}
