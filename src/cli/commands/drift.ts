// `turtle drift`: how each site differs from turtle.yaml as rendered now (the same rule as the planner's,
// so a clean site is one a deploy would not touch). Exit 0 clean, 2 drift, 4 a site could not be asked.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import { siteDrift, type DriftItem } from '../../domain/index.js';
import { desiredContainers } from '../../converge/deploy.js';
import { servicesForSite, type SiteSpec, type Spec } from '../../spec/index.js';
import type { SiteClient } from '../../client/types.js';
import { brokenPins } from '../../pin/check.js';
import type { Store } from '../../store/index.js';
import { connectSite, loadSpec, openStore, selectSites, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';

interface SiteDrift {
  site: string;
  clean: boolean;
  drift: DriftItem[];
  /** why the site could not be checked (then `clean` is false and `drift` empty) */
  error?: string;
}

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('drift')
    .description('compare what runs on each site with turtle.yaml (exit 0 clean, 2 drift found)')
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { site?: string; json?: boolean }) => {
      const spec = loadSpec(globals());
      const sites = selectSites(spec, opts.site);
      const store = openStore(globals());
      const out: SiteDrift[] = [];
      const failures: { site: string; error: TurtleError }[] = [];
      try {
        for (const site of sites) {
          try {
            out.push(await checkSite(spec, site, store, globals()));
          } catch (err) {
            if (!(err instanceof TurtleError)) throw err;
            failures.push({ site: site.name, error: err });
            out.push({ site: site.name, clean: false, drift: [], error: err.message });
          }
        }
      } finally {
        store.close();
      }
      if (opts.json) printJson({ sites: out, clean: out.every((s) => s.clean) });
      else printHuman(out);
      conclude(out, failures, sites, basename(spec.file));
    });
}

async function checkSite(spec: Spec, site: SiteSpec, store: Store, globals: GlobalOptions): Promise<SiteDrift> {
  const client = await connectSite(spec, site, globals);
  // a site's agent keeps the operator's stops itself
  const desired = desiredContainers(spec, site.name, store, await client.stopped?.());
  const [actual, networks] = await Promise.all([client.list(), client.networks?.(desired)]);
  const drift = [...siteDrift({ site: site.name, desired, actual, project: spec.project, ...(networks ? { networks } : {}) }), ...(await pinDrift(spec, site.name, client))];
  return { site: site.name, clean: drift.length === 0, drift };
}

/** Tags turtle.lock pins that name other content on the site now: compared by image ID, never by name. */
async function pinDrift(spec: Spec, site: string, client: SiteClient): Promise<DriftItem[]> {
  if (!spec.pins?.[site]) return [];
  return (await brokenPins(spec, site, client)).map(({ ref, found, pinned }) => {
    const service = servicesForSite(spec, site).find((s) => s.image === ref)!.name;
    const now = found === undefined ? 'is not on the site' : `names ${found.slice(0, 19)}…`;
    return { slot: `image ${ref}`, service, replica: 0, kind: 'pin' as const, message: `image ${ref} ${now}; turtle.lock pins ${pinned.slice(0, 19)}… (the next deploy refuses it)`, wanted: pinned, found: found ?? 'absent' };
  });
}

function printHuman(out: readonly SiteDrift[]): void {
  for (const s of out) {
    if (s.error !== undefined) console.log(`${s.site}: not checked: ${s.error}`);
    else if (s.clean) console.log(`${s.site}: clean`);
    else console.log(`${s.site}: ${s.drift.length} difference${s.drift.length === 1 ? '' : 's'}\n${s.drift.map((d) => `  ${d.message}`).join('\n')}`);
  }
}

/** An unchecked site outranks drift: the answer is incomplete. Drift is reported through the one error path, with its hint. */
function conclude(out: readonly SiteDrift[], failures: readonly { site: string; error: TurtleError }[], sites: readonly SiteSpec[], file: string): void {
  const first = failures[0];
  if (first) {
    const also = failures.slice(1).map((f) => f.site);
    throw new TurtleError(`${first.error.message}${also.length ? ` (also not checked: ${also.join(', ')})` : ''}`, {
      exitCode: first.error.exitCode,
      ...(first.error.hint === undefined ? {} : { hint: first.error.hint }),
    });
  }
  const drifted = out.filter((s) => !s.clean).map((s) => s.site);
  if (drifted.length === 0) return;
  const agents = sites.filter((s) => drifted.includes(s.name) && s.agent !== undefined).map((s) => s.name);
  const agentHint = agents.length ? `; ${agents.join(', ')}: the agent also undoes changes made by hand at its next resync` : '';
  const count = out.reduce((n, s) => n + s.drift.length, 0);
  throw new TurtleError(`drift found on ${drifted.join(', ')}: ${count} difference${count === 1 ? '' : 's'} from ${file}`, {
    exitCode: ExitCode.drift,
    hint: `\`turtle deploy --site ${drifted.join(',')}\` brings ${drifted.length === 1 ? 'it' : 'them'} back to ${file}${agentHint}`,
  });
}
