// `turtle deploy`: roll turtle.yaml out across the selected sites (canary first, health-gated, rolled
// back everywhere on failure), showing progress and a summary.
import type { Command } from 'commander';
import { connectSite, loadSpec, openStore, selectSites, type GlobalOptions } from '../context.js';
import { assertPinsHold } from '../../pin/check.js';
import { runRollout } from '../_rollout-run.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('deploy')
    .description('roll turtle.yaml out to the selected sites, in the rollout order (an unchanged spec changes nothing)')
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'print the result as JSON instead of progress')
    .option('--no-wait', 'when another deployment holds a site, exit at once (code 5) instead of waiting for it')
    .action(async (opts: { site?: string; json?: boolean; wait: boolean }) => {
      const spec = loadSpec(globals());
      const sites = selectSites(spec, opts.site);
      // a tag moved to other content on a site stops the deployment before any site changes
      await assertPinsHold(spec, sites, (site) => connectSite(spec, site, globals()));
      const store = openStore(globals());
      try {
        await runRollout({ spec, sites, store, globals: globals(), command: 'deploy', noWait: !opts.wait, ...(opts.json ? { json: true } : {}) });
      } finally {
        store.close();
      }
    });
}
