// ContainerRuntime over the Docker Engine API, for Docker and for Podman's Docker-compatible service.
import type Dockerode from 'dockerode';
import { Label, type ContainerSpec, type ObservedContainer, type Resources, type RuntimeKind } from '../../domain/types.js';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import type { DeliversSecrets } from '../types.js';
import type { SecretDelivery } from '../../secrets/deliver.js';
import type { ContainerRuntime, ContainerStats, EngineEvent, EngineInfo, ExecsCommands, ForeignContainer, HoldsLeases, ImageFacts, ImageProgress, InspectsImages, ListsForeign, LeaseRecord, LogLine, LogOptions, ManagesNetworks, PausesContainers, WatchesEvents } from '../types.js';
import type { ContainerNetwork, NetworkSpec, ObservedNetwork } from '../../domain/network.js';
import { connectNetworks, createNetwork, engineSubnets, listNetworks, removeNetwork } from './_networks.js';
import type { ListOptions } from '../types.js';
import { foreignContainers, listTrusting } from './_list.js';
import { readEvents } from './_events.js';
import { execIn } from './_exec.js';
import { connect, request, requestStream, type CallCounts } from './_connection.js';
import { attempt, type EngineContext } from './_context.js';
import { createBody, type CgroupDriver } from './_create-body.js';
import { engineMessage, isExitRace, statusOf } from './_errors.js';
import { importImage, imageExists, imageFacts, pullImage } from './_images.js';
import { projectFilter } from './_labels.js';
import { createLease, listLeases, removeLease, renameLease } from './_leases.js';
import { readLogs } from './_logs.js';
import { toObserved, type InspectDoc } from './_observe.js';
import { healthCheckDue } from './_podman-health.js';
import { readStats } from './_read-stats.js';
import { updateResources } from './_update-resources.js';

interface VersionDoc {
  Version: string;
  ApiVersion: string;
  Os: string;
  Arch: string;
  Components?: Array<{ Name: string; Version: string }>;
}

export class DockerApiRuntime implements ContainerRuntime, DeliversSecrets, WatchesEvents, ExecsCommands, PausesContainers, HoldsLeases, ManagesNetworks, InspectsImages, ListsForeign {
  /** Every HTTP request this adapter sent, counted where they all pass (see _connection.ts). */
  readonly calls: CallCounts = { mutating: 0, read: 0 };
  private readonly ctx: EngineContext;
  private readonly docker: Dockerode;
  private version: Promise<VersionDoc> | undefined;
  /** where this site's secrets are opened and written; absent: a container with secrets is refused */
  secrets: SecretDelivery | undefined;
  private driver: Promise<CgroupDriver> | undefined;

  constructor(
    readonly kind: RuntimeKind,
    readonly endpoint: string,
  ) {
    this.docker = connect(endpoint, this.calls);
    this.ctx = { docker: this.docker, kind, endpoint };
  }

  /** Reachability and engine kind from one GET /_ping: its headers say Podman or not. Cheap enough for every command. */
  async check(): Promise<void> {
    await attempt(this.ctx, 'answer a ping', async () => {
      const res = await requestStream(this.docker, { path: '/_ping', method: 'GET', statusCodes: { 200: true } });
      res.resume();
      const server = String(res.headers.server ?? '');
      this.expectKind(res.headers['libpod-api-version'] !== undefined, server.replace(/\s.*$/, ''));
    });
  }

  async ping(): Promise<EngineInfo> {
    return attempt(this.ctx, 'answer a ping', async () => {
      await this.docker.ping();
      const [version, info] = await Promise.all([this.engineVersion(), this.docker.info() as Promise<{ NCPU: number; MemTotal: number; CgroupDriver?: string }>]);
      const isPodman = (version.Components ?? []).some((c) => /podman/i.test(c.Name));
      this.expectKind(isPodman, version.Version);
      const { Version, ApiVersion, Os, Arch } = version;
      const driver = driverOf(info.CgroupDriver);
      return { kind: this.kind, version: Version, apiVersion: ApiVersion, os: Os, arch: Arch, cpus: info.NCPU, memoryBytes: info.MemTotal, ...(driver ? { cgroupDriver: driver } : {}) };
    });
  }

  private expectKind(isPodman: boolean, version: string): void {
    if (isPodman === (this.kind === 'podman')) return;
    const actual = isPodman ? 'podman' : 'docker';
    throw new TurtleError(`${this.endpoint} is ${actual} ${version}, not ${this.kind}`, {
      exitCode: ExitCode.invalid,
      hint: `set the site's runtime to ${actual}, or point it at a ${this.kind} endpoint`,
    });
  }

  async list(project: string, options: ListOptions = {}): Promise<ObservedContainer[]> {
    if (options.expect) return listTrusting(this.ctx, project, options.expect, (id) => this.inspect(id));
    const found = await attempt(this.ctx, `list containers of project ${project}`, () =>
      this.docker.listContainers({ all: true, filters: projectFilter(project) }),
    );
    const observed = await Promise.all(found.map((c) => this.inspect(c.Id)));
    // A container removed between the listing and its inspect is simply gone.
    const present = observed.filter((c): c is ObservedContainer => c !== undefined);
    // the secret files of containers that are gone go too (none are made for one not yet created)
    await this.secrets?.sweep(project, new Set(found.flatMap((c) => c.Names.map((n) => n.replace(/^\//, '')))));
    return present;
  }

  async create(wanted: ContainerSpec): Promise<string> {
    const spec = wanted.secrets?.length ? await this.withSecrets(wanted) : wanted;
    try {
      return await this.createPrepared(spec);
    } finally {
      if (spec !== wanted) this.secrets?.settled(spec.name);
    }
  }

  private async createPrepared(spec: ContainerSpec): Promise<string> {
    try {
      const driver = spec.cgroupParent ? await this.cgroupDriver() : 'cgroupfs';
      const sharing = spec.network?.startsWith('service:') ? await this.sharedContainer(spec) : undefined;
      const container = await this.docker.createContainer(createBody(spec, driver, sharing, this.kind) as Dockerode.ContainerCreateOptions);
      try {
        if (!spec.network) await connectNetworks(this.ctx, container.id, spec.networks?.slice(1) ?? []);
      } catch (err) {
        await this.remove(container.id);
        throw err;
      }
      return container.id;
    } catch (err) {
      const message = engineMessage(err);
      if (statusOf(err) === 404 && /no such image|image not known/i.test(message)) {
        throw new TurtleError(`image ${spec.image} is not on site ${spec.site} (needed by ${spec.site}/${spec.service})`, {
          hint: `turtle cannot pull from a registry it cannot reach: import the image on ${spec.site}, or fix the tag`,
        });
      }
      return attempt(this.ctx, `create container ${spec.name}`, () => Promise.reject(err));
    }
  }

  private withSecrets(spec: ContainerSpec): Promise<ContainerSpec> {
    if (!this.secrets) {
      throw new TurtleError(`${spec.site}/${spec.service} reads secrets of turtle's store, and ${this.endpoint} is not an engine on this machine: turtle cannot put their files there before the container starts`, {
        exitCode: ExitCode.invalid,
        hint: `run turtle's agent on ${spec.site} (it opens the secrets there), or drive ${spec.site}'s engine through a local socket`,
      });
    }
    return this.secrets.prepare(spec);
  }

  /** For `network: service:NAME`: that service's running container on the site (its first replica first). */
  private async sharedContainer(spec: ContainerSpec): Promise<string> {
    const service = spec.network!.slice('service:'.length);
    const all = await this.list(spec.project, { expect: [] });
    const running = all.filter((c) => c.site === spec.site && c.service === service && c.state === 'running').sort((a, b) => a.replica - b.replica);
    if (running[0] === undefined) {
      throw new TurtleError(`${spec.site}/${spec.service} shares the network of ${service}, which has no running container on ${spec.site}`, {
        hint: `start ${service} first (turtle start ${service}), or change network_mode`,
      });
    }
    return running[0].id;
  }

  async missingVolumes(names: readonly string[]): Promise<string[]> {
    const gone = await Promise.all(names.map((name) => attempt(this.ctx, `inspect volume ${name}`, () => this.ctx.docker.getVolume(name).inspect().then(() => false, (err: unknown) => (statusOf(err) === 404 ? true : Promise.reject(err))))));
    return names.filter((_, i) => gone[i]);
  }

  networks(project: string, names?: readonly string[]): Promise<ObservedNetwork[]> {
    return listNetworks(this.ctx, project, names);
  }

  createNetwork(spec: NetworkSpec): Promise<string> {
    return createNetwork(this.ctx, spec);
  }

  async netns(id: string): Promise<{ pid: number; addresses: string[] } | undefined> {
    const doc = await this.inspectDoc(id);
    const pid = doc?.State.Pid;
    if (!doc || doc.State.Status !== 'running' || !pid) return undefined;
    const addresses = Object.values(doc.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress).filter((a): a is string => typeof a === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(a));
    return { pid, addresses };
  }

  engineSubnets(): Promise<{ name: string; subnets: string[] }[]> {
    return engineSubnets(this.ctx);
  }

  removeNetwork(id: string): Promise<void> {
    return removeNetwork(this.ctx, id);
  }

  connect(containerId: string, network: ContainerNetwork): Promise<void> {
    return connectNetworks(this.ctx, containerId, [network]);
  }

  async start(id: string): Promise<void> {
    await attempt(this.ctx, `start container ${id}`, () => this.docker.getContainer(id).start());
  }

  async stop(id: string, timeoutS = 10): Promise<void> {
    await this.ignoringGone(`stop container ${id}`, () => this.docker.getContainer(id).stop({ t: timeoutS }));
  }

  async restart(id: string, timeoutS = 10): Promise<void> {
    await attempt(this.ctx, `restart container ${id}`, () => this.docker.getContainer(id).restart({ t: timeoutS }));
  }

  async pause(id: string): Promise<void> {
    await this.ignoringConflict(`pause container ${id}`, () => this.docker.getContainer(id).pause());
  }

  async unpause(id: string): Promise<void> {
    await this.ignoringConflict(`unpause container ${id}`, () => this.docker.getContainer(id).unpause());
  }

  async remove(id: string): Promise<void> {
    // its secret files go with it (a sweep at the next listing catches the rest)
    const gone = this.secrets?.holdsFiles() ? await this.inspectDoc(id).catch(() => undefined) : undefined;
    // v: anonymous volumes go with their container; named volumes stay.
    await this.ignoringGone(`remove container ${id}`, () => this.docker.getContainer(id).remove({ force: true, v: true }));
    const labels = gone?.Config.Labels ?? {};
    if (gone && labels[Label.project] && labels[Label.service]) await this.secrets?.discard(labels[Label.project]!, labels[Label.service]!, gone.Name.replace(/^\//, ''));
  }

  async updateResources(id: string, resources: Resources): Promise<void> {
    await updateResources(this.ctx, id, resources, (await this.engineVersion()).Version, () => this.inspectDoc(id));
  }

  async inspect(id: string): Promise<ObservedContainer | undefined> {
    let doc = await this.inspectDoc(id);
    if (doc && this.kind === 'podman' && healthCheckDue(doc, Date.now())) {
      await this.runPodmanHealthcheck(id);
      doc = await this.inspectDoc(id);
    }
    return doc && toObserved(doc, this.kind);
  }

  imageExists(ref: string): Promise<boolean> {
    return imageExists(this.ctx, ref);
  }

  imageFacts(ref: string): Promise<ImageFacts | undefined> {
    return imageFacts(this.ctx, ref);
  }

  foreign(): Promise<ForeignContainer[]> {
    return foreignContainers(this.ctx);
  }

  pullImage(ref: string, onProgress?: (p: ImageProgress) => void): Promise<void> {
    return pullImage(this.ctx, ref, onProgress);
  }

  importImage(tarPath: string, ref: string): Promise<void> {
    return importImage(this.ctx, tarPath, ref);
  }

  async *logs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const doc = await this.inspectDoc(id);
    if (!doc) throw new TurtleError(`container ${id} does not exist on ${this.kind} at ${this.endpoint}`);
    yield* readLogs(this.ctx, id, Boolean(doc.Config.Tty), options);
  }

  stats(id: string): Promise<ContainerStats> {
    return readStats(this.ctx, id);
  }

  events(project: string, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    return readEvents(this.ctx, project, signal);
  }

  exec(id: string, command: readonly string[], timeoutMs: number): Promise<number> {
    return execIn(this.ctx, id, command, timeoutMs);
  }

  leases(key: string): Promise<{ nowMs: number; leases: LeaseRecord[] }> {
    return listLeases(this.ctx, key);
  }

  createLease(name: string, labels: Record<string, string>): Promise<string | undefined> {
    return createLease(this.ctx, name, labels);
  }

  renameLease(id: string, name: string): Promise<boolean> {
    return renameLease(this.ctx, id, name);
  }

  removeLease(id: string): Promise<void> {
    return removeLease(this.ctx, id);
  }

  private async inspectDoc(id: string): Promise<InspectDoc | undefined> {
    for (let tries = 1; ; tries++) {
      try {
        return (await this.docker.getContainer(id).inspect()) as unknown as InspectDoc;
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        if (tries < 3 && isExitRace(err)) {
          await new Promise((r) => setTimeout(r, 20 * tries));
          continue;
        }
        return attempt(this.ctx, `inspect container ${id}`, () => Promise.reject(err));
      }
    }
  }

  private async runPodmanHealthcheck(id: string): Promise<void> {
    // A failing check is recorded in the container's health, so the answer itself is not needed; the
    // libpod routes answer only under a version prefix (v4.0.0 is the oldest libpod API Podman 4 and 5 serve).
    const path = `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`;
    try {
      await request(this.docker, { path, method: 'GET', statusCodes: { 200: true, 409: true } });
    } catch (err) {
      // The engine answered, but the check itself could not finish (it timed out on a busy host, or the
      // container stopped meanwhile): that is the container's health, not a failure to observe it.
      if (statusOf(err) !== undefined) return;
      await attempt(this.ctx, `run the health check of container ${id}`, () => Promise.reject(err));
    }
  }

  /** The engine's cgroup driver, asked once (Podman's /info is slow) and only when a container needs it. */
  private cgroupDriver(): Promise<CgroupDriver> {
    this.driver ??= (this.docker.info() as Promise<{ CgroupDriver?: string }>).then(
      (info) => driverOf(info.CgroupDriver) ?? 'cgroupfs',
      (err: unknown) => {
        this.driver = undefined;
        throw err;
      },
    );
    return this.driver;
  }

  private engineVersion(): Promise<VersionDoc> {
    this.version ??= (this.docker.version() as Promise<VersionDoc>).catch((err: unknown) => {
      this.version = undefined;
      throw err;
    });
    return this.version;
  }

  /** 409: already (un)paused, or not running: nothing to do. */
  private async ignoringConflict(doing: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (statusOf(err) === 409) return;
      await attempt(this.ctx, doing, () => Promise.reject(err));
    }
  }

  private async ignoringGone(doing: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      // 304: already stopped; 404: already gone; 409 "already in progress": someone else is removing it.
      const status = statusOf(err);
      if (status === 304 || status === 404 || (status === 409 && /in progress/i.test(engineMessage(err)))) return;
      await attempt(this.ctx, doing, () => Promise.reject(err));
    }
  }
}

/** The engine's `CgroupDriver` as turtle knows it; undefined for anything else (or none said). */
function driverOf(said: string | undefined): CgroupDriver | undefined {
  return said === 'systemd' || said === 'cgroupfs' ? said : undefined;
}
