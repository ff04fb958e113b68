// Project networks over the Docker Engine API (Docker, and Podman's compatible service with netavark and
// aardvark-dns): user-defined bridges, on which each container is found by its aliases. Only networks with
// turtle's labels are ever changed.
import type Dockerode from 'dockerode';
import { NetworkLabel, type ContainerNetwork, type NetworkSpec, type ObservedNetwork, type Subnet } from '../../domain/network.js';
import { DEFAULT_POOL, firstOverlap, pickSubnet } from '../../domain/subnets.js';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import { hostRoutes } from './_host-routes.js';
import { attempt, type EngineContext } from './_context.js';
import { engineMessage, statusOf } from './_errors.js';
import { isLocalEngine } from '../../lib/endpoint.js';

interface NetworkDoc {
  Id: string;
  Name: string;
  Labels?: Record<string, string> | null;
  Containers?: Record<string, unknown> | null;
}

export async function listNetworks(ctx: EngineContext, project: string, names: readonly string[] = []): Promise<ObservedNetwork[]> {
  return attempt(ctx, `list the networks of project ${project}`, async () => {
    const filters = { label: [`${NetworkLabel.managed}=true`, `${NetworkLabel.project}=${project}`] };
    const [owned, named] = await Promise.all([
      ctx.docker.listNetworks({ filters }) as Promise<NetworkDoc[]>,
      Promise.all(names.map((name) => inspectNetwork(ctx.docker, name))),
    ]);
    // Podman ORs label filters: keep turtle's own of this project here.
    const mine = owned.filter((n) => n.Labels?.[NetworkLabel.managed] === 'true' && n.Labels[NetworkLabel.project] === project);
    const seen = new Set(mine.map((n) => n.Id));
    return [...mine, ...named.filter((n): n is NetworkDoc => n !== undefined && !seen.has(n.Id))].map(observedNetwork);
  });
}

async function inspectNetwork(docker: Dockerode, name: string): Promise<NetworkDoc | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as NetworkDoc;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

function observedNetwork(doc: NetworkDoc): ObservedNetwork {
  const labels = doc.Labels ?? {};
  return {
    id: doc.Id,
    name: doc.Name,
    project: labels[NetworkLabel.project] ?? '',
    site: labels[NetworkLabel.site] ?? '',
    configHash: labels[NetworkLabel.configHash] ?? '',
    containers: Object.keys(doc.Containers ?? {}),
  };
}

/** The create request for a network as the spec wants it (pure). */
export function networkBody(spec: NetworkSpec) {
  return {
    Name: spec.name,
    Driver: spec.driver,
    Internal: spec.internal,
    CheckDuplicate: true,
    ...(spec.subnets.length > 0
      ? { IPAM: { Driver: 'default', Config: spec.subnets.map((s) => ({ Subnet: s.subnet, ...(s.gateway ? { Gateway: s.gateway } : {}), ...(s.ipRange ? { IPRange: s.ipRange } : {}) })) } }
      : {}),
    Options: spec.driverOpts,
    Labels: {
      ...spec.labels,
      [NetworkLabel.managed]: 'true',
      [NetworkLabel.project]: spec.project,
      [NetworkLabel.site]: spec.site,
      [NetworkLabel.key]: spec.key,
      [NetworkLabel.configHash]: spec.configHash,
    },
  };
}

/** One network made at a time per engine: two picking a subnet at once would pick the same. */
const making = new Map<string, Promise<unknown>>();

export async function createNetwork(ctx: EngineContext, spec: NetworkSpec): Promise<string> {
  const before = making.get(ctx.endpoint) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(() => makeNetwork(ctx, spec));
  making.set(ctx.endpoint, mine);
  try {
    return await mine;
  } finally {
    if (making.get(ctx.endpoint) === mine) making.delete(ctx.endpoint);
  }
}

/**
 * The subnets of a bridge network: as written, once checked against the host's routes; else the first free
 * /24 of the site's pool, past the host's routes and addresses and the engine's other networks. The host
 * is known where the engine is local (this machine, or the agent's own host); a remote engine tells only
 * its networks.
 */
async function subnetsFor(ctx: EngineContext, spec: NetworkSpec): Promise<Subnet[]> {
  if (spec.driver !== 'bridge') return spec.subnets;
  const routes = isLocalEngine(ctx.endpoint) ? hostRoutes() : [];
  if (spec.subnets.length > 0) {
    for (const s of spec.subnets) {
      const clash = firstOverlap(s.subnet, routes.filter((r) => !r.engine));
      if (clash)
        throw new TurtleError(`network ${spec.name} cannot be made on ${spec.site}: its subnet ${s.subnet} overlaps the host's route ${clash.dst} (${clash.what})`, {
          exitCode: ExitCode.invalid,
          hint: `choose a subnet under networks.${spec.key}.ipam that the host does not route, or leave ipam out and turtle picks one from the site's networks.pool`,
        });
    }
    return spec.subnets;
  }
  const engineNets = (await engineSubnets(ctx)).flatMap((n) => n.subnets);
  const pool = spec.pool ?? [...DEFAULT_POOL];
  const subnet = pickSubnet(pool, [...routes.map((r) => r.dst), ...engineNets]);
  if (!subnet)
    throw new TurtleError(`network ${spec.name} cannot be made on ${spec.site}: no /24 of the pool ${pool.join(', ')} is free of the host's routes and the engine's networks`, {
      hint: `give the site a larger pool (sites.${spec.site}.networks.pool), remove unused networks, or write a subnet under networks.${spec.key}.ipam`,
    });
  return [{ subnet }];
}

/** Every network of the engine, whoever made it, with its IPv4 subnets (the pool's picks, the firewall's others). */
export async function engineSubnets(ctx: EngineContext): Promise<{ name: string; subnets: string[] }[]> {
  const all = await attempt(ctx, 'list the networks', () => ctx.docker.listNetworks() as Promise<{ Name: string; IPAM?: { Config?: { Subnet?: string }[] | null } }[]>);
  return all.map((n) => ({ name: n.Name, subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string' && !s.includes(':')) }));
}

async function makeNetwork(ctx: EngineContext, spec: NetworkSpec, tries = 3): Promise<string> {
  const subnets = await subnetsFor(ctx, spec);
  try {
    const network = (await ctx.docker.createNetwork(networkBody({ ...spec, subnets }) as Dockerode.NetworkCreateOptions)) as { id: string };
    return network.id;
  } catch (err) {
    // another client of the engine took the subnet picked a moment ago: pick again
    if (spec.subnets.length === 0 && tries > 1 && /overlap|already used/i.test(engineMessage(err))) return makeNetwork(ctx, spec, tries - 1);
    const message = engineMessage(err);
    if (statusOf(err) === 409 || /already exists/i.test(message)) {
      throw new TurtleError(`network ${spec.name} already exists on ${spec.site}, and turtle did not make it`, {
        hint: `remove it (docker network rm ${spec.name}), or declare it \`external: true\` under networks.${spec.key} to join it as it is`,
      });
    }
    if (/overlap|pool/i.test(message)) {
      throw new TurtleError(`network ${spec.name} cannot be made on ${spec.site}: ${message}`, {
        hint: spec.subnets.length ? `choose another subnet under networks.${spec.key}.ipam` : 'the engine has no free subnet left: remove unused networks, or give this one a subnet under ipam',
      });
    }
    return attempt(ctx, `create network ${spec.name}`, () => Promise.reject(err));
  }
}

export async function removeNetwork(ctx: EngineContext, id: string): Promise<void> {
  const network = ctx.docker.getNetwork(id);
  const doc = await attempt(ctx, `inspect network ${id}`, () => inspectNetwork(ctx.docker, id));
  if (doc === undefined) return;
  for (const container of Object.keys(doc.Containers ?? {})) {
    await ignoringGone(() => network.disconnect({ Container: container, Force: true }), ctx, `disconnect ${container} from network ${doc.Name}`);
  }
  await ignoringGone(() => network.remove(), ctx, `remove network ${doc.Name}`);
}

/** Joins the container to its other networks (the engine takes one at create), with its names there. */
export async function connectNetworks(ctx: EngineContext, containerId: string, networks: readonly ContainerNetwork[]): Promise<void> {
  for (const n of networks) {
    await attempt(ctx, `connect container ${containerId} to network ${n.name}`, () =>
      ctx.docker.getNetwork(n.name).connect({ Container: containerId, EndpointConfig: endpointConfig(n) }),
    );
  }
}

/** What a container is on one network: its aliases, and its fixed address if it has one. */
export function endpointConfig(n: ContainerNetwork) {
  return { Aliases: n.aliases, ...(n.ipv4Address ? { IPAMConfig: { IPv4Address: n.ipv4Address } } : {}) };
}

async function ignoringGone(fn: () => Promise<unknown>, ctx: EngineContext, doing: string): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (statusOf(err) === 404) return;
    await attempt(ctx, doing, () => Promise.reject(err));
  }
}
