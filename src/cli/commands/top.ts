// `turtle top`: live host and per-container CPU and memory, refreshing in place.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes } from '../../domain/index.js';
import type { ContainerStats } from '../../runtime/types.js';
import type { HostStats, SiteClient, SiteSample } from '../../client/index.js';
import { connectSite, loadSpec, selectSites, type GlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';
import { describeLocalGovernor, readLocalGovernor } from '../../governor/view.js';

interface Row {
  site: string;
  service: string;
  replica: number;
  stats: ContainerStats;
}

/** One sample of every selected site: each host once (engine sites share the CLI's), every container. */
interface Sample {
  hosts: { sites: string[]; host: HostStats; local: boolean }[];
  rows: Row[];
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
        const sample = await sampleAll(clients);
        if (opts.json) return printJson(toJson(sample));
        const text = render(sample);
        process.stdout.write(live ? `\x1b[H\x1b[2J${text}\n` : `${text}\n`);
        if (live) await sleep(2000, undefined, { signal: stop.signal }).catch(() => undefined);
      } while (live && !stop.signal.aborted);
    });
}

async function sampleAll(clients: readonly SiteClient[]): Promise<Sample> {
  const samples: [SiteClient, SiteSample][] = await Promise.all(clients.map(async (c) => [c, await c.sample()] as [SiteClient, SiteSample]));
  const hosts = new Map<string, { sites: string[]; host: HostStats; local: boolean }>();
  const rows: Row[] = [];
  for (const [client, s] of samples) {
    const known = hosts.get(s.hostKey);
    if (known) known.sites.push(client.site);
    else hosts.set(s.hostKey, { sites: [client.site], host: s.host, local: s.hostKey === 'local' });
    rows.push(...s.containers.map((c) => ({ site: client.site, ...c })));
  }
  rows.sort((a, b) => a.site.localeCompare(b.site) || a.service.localeCompare(b.service) || a.replica - b.replica);
  return { hosts: [...hosts.values()], rows };
}

/** `host` is the first (usually only) host; `hosts` names each host's sites when there are several. */
function toJson({ hosts, rows }: Sample) {
  const hostJson = (h: HostStats) => ({ cpuPercent: round(h.cpuPercent), cpus: h.cpus, memTotalBytes: h.memTotalBytes, memAvailableBytes: h.memAvailableBytes });
  return {
    host: hosts[0] ? hostJson(hosts[0].host) : null,
    ...(hosts.length > 1 ? { hosts: hosts.map((h) => ({ sites: h.sites, ...hostJson(h.host) })) } : {}),
    containers: rows,
  };
}

function render({ hosts, rows }: Sample): string {
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
    '',
  ];
  const body = table(
    ['SITE', 'SERVICE', 'REPLICA', 'CPU%', 'MEMORY', 'LIMIT'],
    rows.map((r) => [r.site, r.service, String(r.replica), round(r.stats.cpuPercent).toFixed(1), formatBytes(r.stats.memoryBytes), r.stats.memoryLimitBytes ? formatBytes(r.stats.memoryLimitBytes) : '-']),
  );
  return [...head, rows.length ? body : 'no running containers'].join('\n');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
