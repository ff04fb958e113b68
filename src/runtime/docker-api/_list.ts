// A listing that trusts turtle's labels: ObservedContainers from one listing request, inspecting only the
// containers the labels cannot vouch for (see ListOptions in ../types.ts). The mapping is pure.
import type { ForeignContainer } from '../types.js';
import { resourcesEqual } from '../../domain/resources.js';
import { Label, type ContainerSpec, type HealthState, type ObservedContainer, type Resources } from '../../domain/types.js';
import { request } from './_connection.js';
import { attempt, type EngineContext } from './_context.js';
import { labelledResources, projectFilter, RESOURCES_LABEL } from './_labels.js';
import { containerState, firstAddress, observedImage } from './_observe.js';

/** One entry of Docker's `GET /containers/json`: the state, and the health and exit code only in `Status`. */
export interface DockerListDoc {
  Id: string;
  Names: string[];
  Image: string;
  Labels?: Record<string, string> | null;
  State: string;
  /** `Up 5 minutes (healthy)`, `Up 2 seconds (health: starting)`, `Exited (137) 3 seconds ago` */
  Status: string;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null } | null;
  HostConfig?: { NetworkMode?: string } | null;
}

/**
 * One entry of Podman's `GET /libpod/containers/json`. Its Docker-compatible listing leaves the health
 * out of `Status` (Podman 4.3), this one has it as `Status` and the exit code as a field; it has no addresses.
 */
export interface PodmanListDoc {
  Id: string;
  Names: string[];
  Image: string;
  Labels?: Record<string, string> | null;
  State: string;
  /** the health: `healthy`, `unhealthy`, `starting`, or empty without a check */
  Status: string;
  ExitCode?: number;
  /** the names of the networks it is on */
  Networks?: string[] | null;
}

/** A container as a listing shows it, with what it cannot show: its limits (from the label, when it reads). */
export interface Listed {
  container: Omit<ObservedContainer, 'resources'>;
  labelled: Resources | undefined;
  /** false when the listing lacks something inspect would show (an image given only by id, an unparsed exit code) */
  complete: boolean;
}

export function fromDockerList(doc: DockerListDoc): Listed {
  const labels = doc.Labels ?? {};
  const state = containerState(doc.State);
  const exit = /^Exited \((-?\d+)\)/.exec(doc.Status);
  const ended = state === 'exited' || state === 'dead';
  const ip = firstAddress(doc.NetworkSettings?.Networks, doc.HostConfig?.NetworkMode ?? undefined);
  const networks = doc.NetworkSettings?.Networks ? Object.keys(doc.NetworkSettings.Networks).sort() : undefined;
  return {
    container: {
      ...owner(doc.Id, doc.Names, labels),
      // the engine lists an image by id when its tag has moved on since; inspect has the name it was created from
      image: doc.Image,
      configHash: labels[Label.configHash] ?? '',
      state,
      health: dockerHealth(doc.Status),
      ...(ended && exit ? { exitCode: Number(exit[1]) } : {}),
      ...(ip ? { ipAddress: ip } : {}),
      ...(networks ? { networks } : {}),
    },
    labelled: labelledResources(labels[RESOURCES_LABEL]),
    complete: !doc.Image.startsWith('sha256:') && (!ended || exit !== null),
  };
}

export function fromPodmanList(doc: PodmanListDoc): Listed {
  const labels = doc.Labels ?? {};
  const state = containerState(doc.State);
  return {
    container: {
      ...owner(doc.Id, doc.Names, labels),
      image: observedImage(doc.Image, 'podman'),
      configHash: labels[Label.configHash] ?? '',
      state,
      health: podmanHealth(doc.Status),
      ...(state === 'exited' || state === 'dead' ? { exitCode: doc.ExitCode ?? 0 } : {}),
      ...(doc.Networks ? { networks: [...doc.Networks].sort() } : {}),
    },
    labelled: labelledResources(labels[RESOURCES_LABEL]),
    complete: /^[0-9a-f]{64}$/.test(doc.Image) === false,
  };
}

function owner(id: string, names: readonly string[], labels: Record<string, string>) {
  return {
    id,
    name: (names[0] ?? '').replace(/^\//, ''),
    project: labels[Label.project] ?? '',
    site: labels[Label.site] ?? '',
    service: labels[Label.service] ?? '',
    replica: Number(labels[Label.replica] ?? 0),
  };
}

function dockerHealth(status: string): HealthState {
  const said = /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1];
  return said === undefined ? 'none' : said === 'health: starting' ? 'starting' : (said as HealthState);
}

function podmanHealth(status: string): HealthState {
  return status === 'healthy' || status === 'unhealthy' || status === 'starting' ? status : 'none';
}

/**
 * The container as the listing shows it when its labels vouch for it: it is on one of `expect` (same site,
 * slot and config hash), alone in its slot (so the planner needs no creation times to pick between two),
 * the listing showed all of it, and its label records the limits `expect` wants. Else undefined: inspect it.
 */
export function vouchedFor(listed: Listed, all: readonly Listed[], expect: readonly ContainerSpec[]): ObservedContainer | undefined {
  const c = listed.container;
  const spec = expect.find((s) => s.site === c.site && s.service === c.service && s.replica === c.replica && s.configHash === c.configHash);
  if (spec === undefined || !listed.complete || listed.labelled === undefined || !resourcesEqual(listed.labelled, spec.resources)) return undefined;
  const sharing = all.filter((o) => o.container.site === c.site && o.container.service === c.service && o.container.replica === c.replica);
  return sharing.length === 1 ? { ...c, resources: listed.labelled } : undefined;
}

/** Every turtle container of `project`, from one listing plus an inspect of each container its labels do not vouch for. */
export async function listTrusting(
  ctx: EngineContext,
  project: string,
  expect: readonly ContainerSpec[],
  inspect: (id: string) => Promise<ObservedContainer | undefined>,
): Promise<ObservedContainer[]> {
  const listed = await attempt(ctx, `list containers of project ${project}`, () => listing(ctx, project));
  const observed = await Promise.all(listed.map((l, _i, all) => vouchedFor(l, all, expect) ?? inspect(l.container.id)));
  // A container removed between the listing and its inspect is simply gone.
  return observed.filter((c): c is ObservedContainer => c !== undefined);
}

async function listing(ctx: EngineContext, project: string): Promise<Listed[]> {
  if (ctx.kind === 'docker') {
    const docs = (await ctx.docker.listContainers({ all: true, filters: projectFilter(project) })) as unknown as DockerListDoc[];
    return docs.map(fromDockerList);
  }
  // Podman 4.3's libpod listing ORs label filters (its Docker-compatible one ANDs them): ask for the
  // project, keep turtle's own here. Its routes answer only under a version prefix (v4.0.0: the oldest
  // libpod API Podman 4 and 5 serve).
  const filters = encodeURIComponent(JSON.stringify({ label: [`${Label.project}=${project}`] }));
  const path = `/v4.0.0/libpod/containers/json?all=true&filters=${filters}`;
  const docs = await request<PodmanListDoc[]>(ctx.docker, { path, method: 'GET', statusCodes: { 200: true } });
  return docs.filter((d) => d.Labels?.[Label.managed] === 'true' && d.Labels[Label.project] === project).map(fromPodmanList);
}

/** The engine's containers with no turtle label at all: made by someone else (one listing, no inspect). */
export async function foreignContainers(ctx: EngineContext): Promise<ForeignContainer[]> {
  const docs = (await attempt(ctx, 'list every container', () => ctx.docker.listContainers({ all: true }))) as unknown as { Id: string; Names?: string[]; Image?: string; State?: string; Created?: number; Labels?: Record<string, string> | null }[];
  return docs
    .filter((d) => !Object.keys(d.Labels ?? {}).some((k) => k.startsWith('io.turtle.')))
    .map((d) => ({ id: d.Id, name: (d.Names?.[0] ?? d.Id.slice(0, 12)).replace(/^\//, ''), image: d.Image ?? '', state: d.State ?? 'unknown', createdAt: new Date((d.Created ?? 0) * 1000).toISOString() }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
