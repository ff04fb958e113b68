// `turtle start|stop|restart <service>`. A stop is remembered in the store, so a later deploy does not
// silently start the service again; `turtle start` clears it.
import type { Command } from 'commander';
import { TurtleError, ExitCode } from '../../lib/errors.js';
import { servicesForSite } from '../../spec/index.js';
import { connectSite, loadSpec, openStore, requireService, selectSites, type GlobalOptions } from '../context.js';

type Action = 'start' | 'stop' | 'restart';

const descriptions: Record<Action, string> = {
  start: 'start a stopped service (and let deploys keep it running)',
  stop: 'stop a service on its sites (deploys keep it stopped until `turtle start`)',
  restart: "restart a service's containers",
};

export function register(program: Command, globals: () => GlobalOptions): void {
  for (const action of ['start', 'stop', 'restart'] as const) {
    program
      .command(`${action} <service>`)
      .description(descriptions[action])
      .option('--site <names>', 'only these sites (comma-separated, or all)')
      .action(async (service: string, opts: { site?: string }) => run(action, service, opts.site, globals()));
  }
}

async function run(action: Action, service: string, siteOpt: string | undefined, globals: GlobalOptions) {
  const spec = loadSpec(globals);
  requireService(spec, service);
  const sites = selectSites(spec, siteOpt).filter((s) => servicesForSite(spec, s.name).some((x) => x.name === service));
  if (sites.length === 0) {
    throw new TurtleError(`service \`${service}\` is not placed on ${siteOpt ?? 'any edge site'}`, {
      exitCode: ExitCode.invalid,
      hint: `its sites are set by services.${service}.sites in ${spec.file}`,
    });
  }
  const store = openStore(globals);
  try {
    for (const site of sites) {
      const client = await connectSite(spec, site, globals);
      // a site's agent remembers a stop itself; for a site driven from here, the store does
      if (action !== 'restart' && site.agent === undefined) store.setStopped(site.name, service, action === 'stop');
      const count = await client.act(service, action);
      if (count === 0 && action !== 'stop') {
        throw new TurtleError(`${site.name}/${service} has no container yet`, {
          hint: `run \`turtle deploy --site ${site.name}\``,
        });
      }
      store.events.append({ site: site.name, type: `service.${action}`, service, message: `${service}: ${action} by operator` });
      console.log(`${site.name}/${service}: ${action === 'stop' ? 'stopped' : action === 'start' ? 'started' : 'restarted'} (${count} containers)`);
    }
  } finally {
    store.close();
  }
}
