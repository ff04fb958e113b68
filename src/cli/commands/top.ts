// `turtle top`: live host and per-container CPU and memory, refreshing in place.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes } from '../../domain/index.js';
import { cpuPercent, sampleHost, type HostSample } from '../../governor/host.js';
import type { ContainerStats } from '../../runtime/types.js';
import { connect, loadSpec, selectSites, type GlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';

interface Row {
  site: string;
  service: string;
  replica: number;
  stats: ContainerStats;
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
      const runtimes = await Promise.all(sites.map(async (s) => ({ site: s, runtime: await connect(s) })));
      const live = !opts.once && !opts.json && process.stdout.isTTY === true;
      let before = sampleHost();
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      do {
        const rows: Row[] = [];
        await Promise.all(
          runtimes.map(async ({ site, runtime }) => {
            const mine = (await runtime.list(spec.project)).filter((c) => c.site === site.name && c.state === 'running');
            // In parallel: a stats read takes a second on Podman (two samples), so one after another grows with every container.
            const stats = await Promise.all(mine.map((c) => runtime.stats(c.id)));
            mine.forEach((c, i) => rows.push({ site: site.name, service: c.service, replica: c.replica, stats: stats[i] as ContainerStats }));
          }),
        );
        const after = sampleHost();
        rows.sort((a, b) => a.site.localeCompare(b.site) || a.service.localeCompare(b.service) || a.replica - b.replica);
        if (opts.json) return printJson({ host: hostJson(before, after), containers: rows });
        const text = render(before, after, rows);
        process.stdout.write(live ? `\x1b[H\x1b[2J${text}\n` : `${text}\n`);
        before = after;
        if (live) await sleep(2000, undefined, { signal: stop.signal }).catch(() => undefined);
      } while (live && !stop.signal.aborted);
    });
}

function hostJson(before: HostSample, after: HostSample) {
  return { cpuPercent: round(cpuPercent(before, after)), cpus: after.cpus, memTotalBytes: after.memTotalBytes, memAvailableBytes: after.memAvailableBytes };
}

function render(before: HostSample, after: HostSample, rows: Row[]): string {
  const hostCpu = cpuPercent(before, after);
  const used = after.memTotalBytes - after.memAvailableBytes;
  const turtleCpu = rows.reduce((a, r) => a + r.stats.cpuPercent, 0);
  const turtleMem = rows.reduce((a, r) => a + r.stats.memoryBytes, 0);
  const head = [
    `host    cpu ${round(hostCpu)}% of ${after.cpus * 100}%   memory ${formatBytes(used)} used of ${formatBytes(after.memTotalBytes)}`,
    `turtle  cpu ${round(turtleCpu)}% (${round((turtleCpu / (after.cpus * 100)) * 100)}% of host)   memory ${formatBytes(turtleMem)} (${round((turtleMem / after.memTotalBytes) * 100)}% of host)`,
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
