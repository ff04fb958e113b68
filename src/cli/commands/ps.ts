// `turtle ps`: turtle's containers on each site, as the engines (or the sites' agents) report them.
import type { Command } from 'commander';
import type { ObservedContainer } from '../../domain/types.js';
import { connectSite, loadSpec, selectSites, type GlobalOptions } from '../context.js';
import { ago, printJson, table } from '../output.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('ps')
    .description("list turtle's containers on each site")
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { site?: string; json?: boolean }) => {
      const spec = loadSpec(globals());
      const rows: ObservedContainer[] = [];
      for (const site of selectSites(spec, opts.site)) {
        const mine = await (await connectSite(spec, site, globals())).list();
        rows.push(...mine.sort((a, b) => a.service.localeCompare(b.service) || a.replica - b.replica));
      }
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return console.log('no containers (run `turtle deploy`)');
      console.log(
        table(
          ['SITE', 'SERVICE', 'REPLICA', 'STATE', 'HEALTH', 'UP', 'IMAGE', 'CONTAINER'],
          rows.map((c) => [
            c.site,
            c.service,
            String(c.replica),
            c.state,
            c.health === 'none' ? '-' : c.health,
            c.state === 'running' ? ago(c.startedAt) : '-',
            c.image,
            c.id.slice(0, 12),
          ]),
        ),
      );
    });
}
