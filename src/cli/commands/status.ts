// `turtle status`: per site its version and last deployment, per service its version, image, replicas and
// health, then the version skew between sites. Exit 0 when every site answered, else the unreachable one's code (4).
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import { buildStatus, type SiteStatus, type Status } from '../../domain/status.js';
import { gatherStatus } from '../_status.js';
import { loadSpec, openStore, selectSites, type GlobalOptions } from '../context.js';
import { ago, printJson, table } from '../output.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('status')
    .description("each site's version, last deployment and services' health; flags version skew between sites")
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { site?: string; json?: boolean }) => {
      const spec = loadSpec(globals());
      const sites = selectSites(spec, opts.site);
      const store = openStore(globals());
      let status: Status;
      try {
        status = buildStatus(await gatherStatus(spec, sites, store, globals()));
      } finally {
        store.close();
      }
      if (opts.json) printJson(status);
      else console.log(human(status));
      unreachable(status);
    });
}

export function human(status: Status, now = Date.now()): string {
  const blocks = status.sites.map((s) => siteBlock(s, now));
  const skew = status.skew.length
    ? ['skew:', ...status.skew.map((k) => `  ${k.subject === 'spec' ? 'sites on different versions' : k.subject}: ${Object.entries(k.bySite).map(([site, v]) => `${site} ${v}`).join(', ')}`)]
    : ['no version skew'];
  return [...blocks, skew.join('\n')].join('\n\n');
}

function siteBlock(s: SiteStatus, now: number): string {
  const version = s.version === undefined ? 'version unknown' : `version ${s.version}${s.current ? ' (current)' : ' (not turtle.yaml)'}`;
  const last = s.lastDeployment ? `last deployment #${s.lastDeployment.id} ${s.lastDeployment.outcome} ${ago(s.lastDeployment.at, now)} ago` : 'never deployed';
  const header = [`${s.site}:`, version, last, ...(s.pending ? ['pending: cut off, the next deploy brings it'] : [])].join('  ');
  if (!s.reachable) return `${header}\n  unreachable: ${(s.error ?? 'no answer').replace(`site ${s.site}: `, '')}`;
  const all = s.foreign ?? [];
  const foreign = all.slice(0, FOREIGN_SHOWN).map((c) => `  not turtle's: ${c.name} (${c.image}, ${c.state}, created ${ago(c.createdAt, now)} ago)`);
  if (all.length > FOREIGN_SHOWN) foreign.push(`  not turtle's: ${all.length - FOREIGN_SHOWN} more (turtle status --json lists them)`);
  if (s.services.length === 0) return [header, '  no services', ...foreign].join('\n');
  const rows = s.services.map((v) => [v.service, v.version ?? '-', v.images.join(', ') || '-', `${v.running}/${v.desired}`, v.health]);
  return [header, indent(table(['SERVICE', 'VERSION', 'IMAGE', 'READY', 'HEALTH'], rows)), ...foreign].join('\n');
}

/** containers turtle did not start, listed under a site before the rest are counted */
const FOREIGN_SHOWN = 5;

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');

/** Everything that could be shown was; the answer is still incomplete, so the exit code says so. */
function unreachable(status: Status): void {
  const down = status.sites.filter((s) => !s.reachable);
  const first = down[0];
  if (!first) return;
  const also = down.slice(1).map((s) => s.site);
  const error = first.error ?? `site ${first.site}: no answer`;
  throw new TurtleError(`${error}${also.length ? ` (also unreachable: ${also.join(', ')})` : ''}`, {
    exitCode: ExitCode.unreachable,
    hint: 'the other sites are shown above; start its engine or agent, or leave it out with --site',
  });
}
