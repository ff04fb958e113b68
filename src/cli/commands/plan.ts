// `turtle plan`: what a deploy would do on each site, without doing it.
import type { Command } from 'commander';
import { plan, describeStep } from '../../domain/index.js';
import { desiredContainers } from '../../converge/deploy.js';
import { connectSite, loadSpec, openStore, selectSites, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('plan')
    .description('show the steps a deploy would take on each site (changes nothing)')
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { site?: string; json?: boolean }) => {
      const spec = loadSpec(globals());
      const store = openStore(globals());
      const out: { site: string; steps: string[] }[] = [];
      try {
        for (const site of selectSites(spec, opts.site)) {
          const client = await connectSite(spec, site, globals());
          // a site's agent keeps the operator's stops itself
          const desired = desiredContainers(spec, site.name, store, await client.stopped?.());
          const [actual, networks] = await Promise.all([client.list(), client.networks?.(desired)]);
          const steps = plan({ site: site.name, desired, actual, project: spec.project, ...(networks ? { networks } : {}) });
          out.push({ site: site.name, steps: steps.map(describeStep) });
        }
      } finally {
        store.close();
      }
      if (opts.json) return printJson(out);
      for (const { site, steps } of out) {
        console.log(steps.length === 0 ? `${site}: up to date` : `${site}: ${steps.length} step${steps.length === 1 ? '' : 's'}`);
        for (const s of steps) console.log(`  ${s}`);
      }
    });
}
