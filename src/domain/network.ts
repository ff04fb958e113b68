// Project networks: what a site's containers join so that they find each other by name (Compose's
// `<project>_default` and the networks a spec declares). Plain data, like the containers.
import { createHash } from 'node:crypto';

/** One network as the spec wants it on a site. The engine's name is `<project>_<key>`, or the `name` written. */
export interface NetworkSpec {
  /** the engine's name of the network */
  name: string;
  /** its key under `networks:` in turtle.yaml (`default` for the one every service joins unless it says otherwise) */
  key: string;
  project: string;
  site: string;
  /** made by someone else: turtle joins it and never creates, changes or removes it */
  external: boolean;
  driver: string;
  /** no route out of the network: its containers reach each other, and nothing else */
  internal: boolean;
  subnets: Subnet[];
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
  /** sha256 (hex) of what needs a new network when it changes; '' for external ones */
  configHash: string;
  /** the site's pool for a network without a written subnet (absent: DEFAULT_POOL); not in configHash */
  pool?: string[];
  /** the site's `networks.host_access`: ports of the host its containers may open; not in configHash */
  hostAccess?: HostPort[];
}

/** A port (or a range, `port`..`to`) of the site's host that containers of project networks may open. */
export interface HostPort {
  port: number;
  to?: number;
  protocol: 'tcp' | 'udp';
}

/** Docker's and Podman's option for the name of a bridge network's interface on the host. */
export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/**
 * The host interface of a bridge network turtle makes: `tt-` and 12 hex digits of its site and engine name,
 * so the site's firewall rules can name it before it exists (15 characters: Linux's limit). The site is in
 * it because two engines on one host (a Docker and a Podman site of one project) would otherwise both take
 * one bridge: both engines accept a name the other already uses. A `driver_opts` entry written wins.
 */
export function bridgeName(network: Pick<NetworkSpec, 'name' | 'site' | 'driverOpts'>): string {
  return network.driverOpts[BRIDGE_NAME_OPTION] ?? `tt-${createHash('sha256').update(`${network.site}/${network.name}`).digest('hex').slice(0, 12)}`;
}

export interface Subnet {
  subnet: string;
  gateway?: string;
  ipRange?: string;
}

/** A container's place on one network: the names others find it by there, and a fixed address if asked. */
export interface ContainerNetwork {
  /** the engine's name of the network */
  name: string;
  aliases: string[];
  ipv4Address?: string;
  /** what the network is, so that a site's planner (the CLI's or an agent's) can make it; outside configHash */
  network: NetworkSpec;
}

/** A turtle-owned network as read back from the engine. */
export interface ObservedNetwork {
  id: string;
  name: string;
  project: string;
  site: string;
  configHash: string;
  /** ids of the containers attached now */
  containers: string[];
}

/** Labels turtle writes on every network it creates. */
export const NetworkLabel = {
  managed: 'io.turtle.managed',
  project: 'io.turtle.project',
  site: 'io.turtle.site',
  key: 'io.turtle.network',
  configHash: 'io.turtle.config-hash',
} as const;

/** The networks `containers` join, each once (by engine name), in the order first joined. */
export function networksOf(containers: readonly { networks?: readonly ContainerNetwork[] }[]): NetworkSpec[] {
  const out = new Map<string, NetworkSpec>();
  for (const c of containers) for (const n of c.networks ?? []) if (!out.has(n.name)) out.set(n.name, n.network);
  return [...out.values()];
}

/** The names of the external networks `containers` join (the ones a site must have before a deploy). */
export function externalNames(containers: readonly { networks?: readonly ContainerNetwork[] }[]): string[] {
  return networksOf(containers).filter((n) => n.external).map((n) => n.name);
}
