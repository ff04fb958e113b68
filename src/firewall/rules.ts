// A site's isolation rules, as iptables-restore input (pure). Containers on the project networks turtle
// makes reach each other and the world; of the host itself only the ports the site opens (published ports,
// `networks.host_access`, Podman's name server on each gateway); and no other network of the engine, except
// through a published port. Two chains of turtle's own per site, each rule naming its network.
import { createHash } from 'node:crypto';
import type { HostPort } from '../domain/network.js';
import { TurtleError } from '../lib/errors.js';

const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const WORD = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const V4 = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/** One project network on the site, by its bridge on the host. */
export interface IsolatedNetwork {
  /** the engine's name, for the rules' comments */
  name: string;
  /** its bridge interface on the host */
  iface: string;
  /** its own subnets (traffic to these stays on the bridge) */
  subnets: string[];
  /** a name server of the engine listens on the gateway (Podman's aardvark-dns; Docker's is in the container) */
  gatewayDns: boolean;
}

export interface FirewallInput {
  site: string;
  networks: readonly IsolatedNetwork[];
  /** ports of the host the containers may open: published ones and the site's host_access */
  open: readonly HostPort[];
  /** subnets of the engine's other networks: reached only through a published port */
  others: readonly string[];
}

export interface Chains {
  /** jumped to from INPUT: what the containers may open on the host */
  input: string;
  /** jumped to from FORWARD: which other networks they may reach */
  forward: string;
}

/** iptables limits a chain's name to 28 characters; a long site name is cut and given a hash. */
export function chainsOf(site: string): Chains {
  const tag = site.length <= 20 ? site : `${site.slice(0, 11)}-${createHash('sha256').update(site).digest('hex').slice(0, 8)}`;
  return { input: `TT-${tag}-IN`, forward: `TT-${tag}-FWD` };
}

/** The comment on the jumps into a site's chains: how turtle finds its own rules in INPUT and FORWARD. */
export function jumpComment(site: string): string {
  return `turtle site ${site}`;
}

/**
 * The restore script that (with `iptables-restore --noflush`) empties and refills the site's two chains,
 * leaving every other rule of the host as it is. Its first rule in each chain is a marker carrying the
 * script's hash: what a later check compares to find rules changed by hand.
 */
export function firewallScript(input: FirewallInput): string {
  // every word goes into the rules as written: nothing may end a rule or start another
  for (const n of input.networks) {
    if (!IFACE.test(n.iface)) throw new TurtleError(`network ${n.name} has the bridge name ${JSON.stringify(n.iface)}, which is not an interface name`, { hint: `com.docker.network.bridge.name takes 1-15 letters, digits, '.', '_' or '-'` });
    if (!WORD.test(n.name)) throw new TurtleError(`network name ${JSON.stringify(n.name)} cannot go into a firewall rule`);
  }
  input = { ...input, others: input.others.filter((s) => V4.test(s)), networks: input.networks.map((n) => ({ ...n, subnets: n.subnets.filter((s) => V4.test(s)) })) };
  const chains = chainsOf(input.site);
  const body = [...inputRules(chains.input, input), ...forwardRules(chains.forward, input)];
  const hash = createHash('sha256').update(body.join('\n')).digest('hex').slice(0, 12);
  return [
    '*filter',
    `:${chains.input} - [0:0]`,
    `:${chains.forward} - [0:0]`,
    `-A ${chains.input} ${markerOf(hash)}`,
    `-A ${chains.forward} ${markerOf(hash)}`,
    ...body,
    'COMMIT',
    '',
  ].join('\n');
}

/** The marker rule (no target: it only counts) in the words `iptables -S` prints it back. */
export function markerOf(hash: string): string {
  return `-m comment --comment turtle:${hash}`;
}

/** The hash a script's markers carry. */
export function scriptHash(script: string): string | undefined {
  return /--comment turtle:([0-9a-f]{12})/.exec(script)?.[1];
}

/** How many rules the script puts in each chain (marker included). */
export function ruleCounts(script: string, chains: Chains): { input: number; forward: number } {
  const lines = script.split('\n');
  return { input: lines.filter((l) => l.startsWith(`-A ${chains.input} `)).length, forward: lines.filter((l) => l.startsWith(`-A ${chains.forward} `)).length };
}

function inputRules(chain: string, input: FirewallInput): string[] {
  const out: string[] = [];
  for (const n of input.networks) {
    const from = `-A ${chain} -i ${n.iface}`;
    const note = comment(n.name);
    out.push(`${from} -m conntrack --ctstate RELATED,ESTABLISHED ${note} -j RETURN`);
    if (n.gatewayDns) for (const proto of ['udp', 'tcp']) out.push(`${from} -p ${proto} -m ${proto} --dport 53 ${note} -j RETURN`);
    // the gateway's DNS rules already let 53 in
    for (const p of input.open.filter((o) => !(n.gatewayDns && o.port === 53 && o.to === undefined))) out.push(`${from} -p ${p.protocol} -m ${p.protocol} --dport ${p.to ? `${p.port}:${p.to}` : p.port} ${note} -j RETURN`);
    out.push(`${from} -p tcp ${note} -j REJECT --reject-with tcp-reset`);
    out.push(`${from} ${note} -j REJECT --reject-with icmp-port-unreachable`);
  }
  return out;
}

function forwardRules(chain: string, input: FirewallInput): string[] {
  const out: string[] = [];
  for (const n of input.networks) {
    const from = `-A ${chain} -i ${n.iface}`;
    const note = comment(n.name);
    const others = input.others.filter((s) => !n.subnets.includes(s));
    if (others.length === 0) continue;
    // replies, and connections to a published port (the engine's DNAT), pass; new ones to another network do not
    out.push(`${from} -m conntrack --ctstate RELATED,ESTABLISHED,DNAT ${note} -j RETURN`);
    for (const s of others) out.push(`${from} -d ${s} ${note} -j REJECT --reject-with icmp-net-prohibited`);
  }
  return out;
}

function comment(network: string): string {
  return `-m comment --comment "turtle network ${network}"`;
}

/** Published ports and host_access, each once, in a stable order. */
export function openPorts(published: readonly { host?: number; protocol: 'tcp' | 'udp' }[], hostAccess: readonly HostPort[]): HostPort[] {
  const seen = new Map<string, HostPort>();
  const fromPublished = published.flatMap((b): HostPort[] => (b.host === undefined ? [] : [{ port: b.host, protocol: b.protocol }]));
  for (const p of [...fromPublished, ...hostAccess]) {
    const key = `${p.port}-${p.to ?? p.port}/${p.protocol}`;
    if (!seen.has(key)) seen.set(key, p);
  }
  return [...seen.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
}
