// Which services a site runs, with that site's overlay applied.
import { ExitCode, TurtleError } from '../lib/errors.js';
import type { ServiceSpec, Spec } from './types.js';

/** The services placed on `site`, overlays applied, sorted by name. Observer sites get none. */
export function servicesForSite(spec: Spec, site: string): ServiceSpec[] {
  if (!(site in spec.sites)) {
    throw new TurtleError(`unknown site \`${site}\``, {
      exitCode: ExitCode.invalid,
      hint: `sites in ${spec.file}: ${Object.keys(spec.sites).join(', ') || 'none'}`,
    });
  }
  return placedOn(spec, site);
}

/** As servicesForSite, without the check; for validation, where the site may itself be invalid. */
export function placedOn(spec: Spec, site: string): ServiceSpec[] {
  const overlay = spec.overlays?.[site] ?? {};
  return Object.values(spec.services)
    .filter((service) => service.sites.includes(site))
    .map((service) => overlay[service.name] ?? service)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
