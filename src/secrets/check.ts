// Before a deployment touches any site: every secret of turtle's store a site's services read is set for
// that site, and the site can take it (an agent, or an engine on this machine).
import { TurtleError, ExitCode } from '../lib/errors.js';
import { isLocalEngine } from '../lib/endpoint.js';
import { servicesForSite, type ServiceSpec, type SiteSpec, type Spec } from '../spec/index.js';

/** The store names `service` reads, as files or variables. */
export function storeSecretsOf(service: ServiceSpec): string[] {
  return [...new Set([...(service.secretFiles ?? []).map((f) => f.store), ...Object.values(service.secretEnv ?? {})])];
}

/** Each problem on its own line; undefined when every site can have what it reads. */
export function assertSecretsReady(spec: Spec, sites: readonly SiteSpec[]): void {
  const lines: string[] = [];
  const fixes: string[] = [];
  for (const site of sites) {
    const services = servicesForSite(spec, site.name).filter((s) => storeSecretsOf(s).length > 0);
    if (services.length === 0) continue;
    if (site.agent === undefined && !isLocalEngine(site.engine)) {
      lines.push(`${site.name}: ${services.map((s) => s.name).join(', ')} read secrets of turtle's store, and ${site.engine} is not an engine on this machine: turtle cannot put their files there before the containers start`);
      fixes.push(`run turtle's agent on ${site.name} (it opens its secrets there)`);
      continue;
    }
    const unset = new Map<string, string[]>();
    for (const s of services) for (const name of storeSecretsOf(s)) if (!spec.sealed?.[site.name]?.[name]) unset.set(name, [...(unset.get(name) ?? []), s.name]);
    for (const [name, users] of unset) {
      lines.push(`${site.name}: secret \`${name}\` (read by ${users.join(', ')}) is not set for ${site.name}`);
      fixes.push(`turtle secret set ${name} --site ${site.name} < FILE`);
    }
  }
  if (lines.length === 0) return;
  throw new TurtleError(`no site was changed:\n  ${lines.join('\n  ')}`, { exitCode: ExitCode.invalid, hint: [...new Set(fixes)].join('; ') });
}
