// `turtle top`: live host and per-container CPU and memory, refreshing in place.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes } from '../../domain/index.js';
import type { Bandwidth } from '../../domain/types.js';
import type { Spec } from '../../spec/index.js';
import { bandwidthColumn } from '../_bandwidth-column.js';
import type { ContainerStats } from '../../runtime/types.js';
import type { HostStats, SiteClient, SiteSample } from '../../client/index.js';
import { connectSite, loadSpec, selectSites, type GlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';
import { describeAgentGovernor, describeLocalGovernor, readLocalGovernor } from '../../governor/view.js';
import type { GovernorSnapshot } from '../../governor/governor.js';
import { errorMessage } from '../../lib/errors.js';

interface Row {
  site: string;
  service: string;
  replica: number;
  stats: ContainerStats;
  /** the service's resources.egress|ingress and the site's budget.network, from turtle.yaml */
  bandwidth?: Bandwidth;
  cap?: number;
  /** the site has an agent, which shapes it (an engine-driven site is not shaped) */
  agent: boolean;
}

/** An agent site's governor: null where it runs none; `error` when the agent could not say. */
interface SiteGovernor {
  site: string;
  governor: GovernorSnapshot | null;
  error?: string;
}

/** One sample of every selected site: each host once (engine sites share the CLI's), every container, each agent's governor. */
interface Sample {
  hosts: { sites: string[]; host: HostStats; local: boolean }[];
  rows: Row[];
  governors: SiteGovernor[];
}

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('top')
    .description('live host and per-container CPU and memory (Ctrl-C to quit)')
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--once', 'print one sample and exit (the default when not on a terminal)')
    .option('--json', 'print one sample as JSON and exit')
    .action(async (opts: { site?: string; once?: boolean; json?: boolean }) => {
      const spec = loadSpec(globals());
      const sites = selectSites(spec, opts.site);
      const clients = await Promise.all(sites.map((s) => connectSite(spec, s, globals())));
      const live = !opts.once && !opts.json && process.stdout.isTTY === true;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      do {
        const sample = await sampleAll(clients, spec);
        if (opts.json) return printJson(toJson(sample));
        const text = render(sample);
        process.stdout.write(live ? `\x1b[H\x1b[2J${text}\n` : `${text}\n`);
        if (live) await sleep(2000, undefined, { signal: stop.signal }).catch(() => undefined);
      } while (live && !stop.signal.aborted);
    });
}

async function sampleAll(clients: readonly SiteClient[], spec: Spec): Promise<Sample> {
  const [samples, governors] = await Promise.all([
    Promise.all(clients.map(async (c) => [c, await c.sample()] as [SiteClient, SiteSample])),
    Promise.all(clients.flatMap((c) => (c.governor ? [readGovernor(c.site, c.governor.bind(c))] : []))),
  ]);
  const hosts = new Map<string, { sites: string[]; host: HostStats; local: boolean }>();
  const rows: Row[] = [];
  for (const [client, s] of samples) {
    const known = hosts.get(s.hostKey);
    if (known) known.sites.push(client.site);
    else hosts.set(s.hostKey, { sites: [client.site], host: s.host, local: s.hostKey === 'local' });
    const cap = spec.sites[client.site]?.budget.network;
    rows.push(...s.containers.map((c) => {
      const bandwidth = spec.services[c.service]?.bandwidth;
      return { site: client.site, ...c, ...(bandwidth ? { bandwidth } : {}), ...(cap !== undefined ? { cap } : {}), agent: spec.sites[client.site]?.agent !== undefined };
    }));
  }
  rows.sort((a, b) => a.site.localeCompare(b.site) || a.service.localeCompare(b.service) || a.replica - b.replica);
  return { hosts: [...hosts.values()], rows, governors };
}

/** A governor the agent cannot report (an agent older than GET /v1/governor) is a line in top, not a failed top. */
async function readGovernor(site: string, read: () => Promise<GovernorSnapshot | undefined>): Promise<SiteGovernor> {
  try {
    return { site, governor: (await read()) ?? null };
  } catch (err) {
    return { site, governor: null, error: errorMessage(err) };
  }
}

/** `host` is the first (usually only) host; `hosts` names each host's sites when there are several; `governors`, each agent site's governor. */
function toJson({ hosts, rows, governors }: Sample) {
  const hostJson = (h: HostStats) => ({ cpuPercent: round(h.cpuPercent), cpus: h.cpus, memTotalBytes: h.memTotalBytes, memAvailableBytes: h.memAvailableBytes });
  return {
    host: hosts[0] ? hostJson(hosts[0].host) : null,
    ...(hosts.length > 1 ? { hosts: hosts.map((h) => ({ sites: h.sites, ...hostJson(h.host) })) } : {}),
    containers: rows,
    ...(governors.length > 0 ? { governors } : {}),
  };
}

function render({ hosts, rows, governors }: Sample): string {
  const named = hosts.length > 1;
  const lines = hosts.map(({ sites, host }) => {
    const used = host.memTotalBytes - host.memAvailableBytes;
    return `host${named ? ` ${sites.join(',')}` : ''}    cpu ${round(host.cpuPercent)}% of ${host.cpus * 100}%   memory ${formatBytes(used)} used of ${formatBytes(host.memTotalBytes)}`;
  });
  const cpus = hosts.reduce((a, h) => a + h.host.cpus, 0);
  const memory = hosts.reduce((a, h) => a + h.host.memTotalBytes, 0);
  const turtleCpu = rows.reduce((a, r) => a + r.stats.cpuPercent, 0);
  const turtleMem = rows.reduce((a, r) => a + r.stats.memoryBytes, 0);
  const of = named ? 'of the hosts' : 'of host';
  const governor = hosts.some((h) => h.local) ? readLocalGovernor() : undefined;
  const head = [
    ...lines,
    `turtle  cpu ${round(turtleCpu)}% (${round((turtleCpu / (cpus * 100)) * 100)}% ${of})   memory ${formatBytes(turtleMem)} (${round((turtleMem / memory) * 100)}% ${of})`,
    ...(governor ? [`governor (this host)  ${describeLocalGovernor(governor)}`] : []),
    ...governors.map((g) => `governor ${g.site}  ${g.error ? `unknown: ${g.error}` : describeAgentGovernor(g.governor ?? undefined)}`),
    '',
  ];
  const body = table(
    ['SITE', 'SERVICE', 'REPLICA', 'CPU%', 'MEMORY', 'LIMIT', 'NET IN/OUT', 'BANDWIDTH IN/OUT'],
    rows.map((r) => [
      r.site, r.service, String(r.replica), round(r.stats.cpuPercent).toFixed(1), formatBytes(r.stats.memoryBytes), r.stats.memoryLimitBytes ? formatBytes(r.stats.memoryLimitBytes) : '-',
      r.stats.netRxBytes === undefined ? '-' : `${formatBytes(r.stats.netRxBytes)} / ${formatBytes(r.stats.netTxBytes ?? 0)}`,
      bandwidthColumn(r.bandwidth, r.cap, r.agent),
    ]),
  );
  return [...head, rows.length ? body : 'no running containers'].join('\n');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
