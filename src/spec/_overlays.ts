// Per-site overlays: checked against the sites and services they name, merged over the base service and
// validated again, since an overlay can bring its own mistakes.
import type { ServiceSpec, SiteSpec } from './types.js';
import { isMap } from './_fields.js';
import { deepMerge } from './_merge.js';
import { fromZod, valueAt, type Problem } from './_problems.js';
import { lenientService, serviceSchema } from './schema-service.js';
import { didYouMean, formatPath } from './_words.js';

export interface OverlayInput {
  /** the loaded `overlays` value (already shape-checked) */
  raw: unknown;
  /** loaded `services` entries, before parsing */
  rawServices: Record<string, unknown>;
  /** every site name in the file, parsed or not */
  siteNames: string[];
  sites: Record<string, SiteSpec>;
  /** base services that parsed, with `sites` filled in */
  services: Record<string, ServiceSpec>;
  /** problems already found in the base services: not repeated for the merged ones */
  baseProblems: readonly Problem[];
}

export function applyOverlays(input: OverlayInput, problems: Problem[]): Record<string, Record<string, ServiceSpec>> {
  const out: Record<string, Record<string, ServiceSpec>> = {};
  if (!isMap(input.raw)) return out;
  const seen = new Set(input.baseProblems.map((p) => `${formatPath(p.path)}|${p.message}`));
  const serviceNames = Object.keys(input.rawServices);
  for (const [site, overlay] of Object.entries(input.raw)) {
    if (!input.siteNames.includes(site)) {
      problems.push({ path: ['overlays', site], at: 'key', message: `overlay for unknown site \`${site}\`${didYouMean(site, input.siteNames)}`, hint: `known sites: ${input.siteNames.join(', ') || 'none'}` });
      continue;
    }
    const entries = isMap(overlay) && isMap(overlay.services) ? overlay.services : {};
    for (const [name, entry] of Object.entries(entries)) {
      const at = ['overlays', site, 'services', name];
      const base = input.services[name]!;
      if (!serviceNames.includes(name)) {
        problems.push({ path: at, at: 'key', message: `overlay for unknown service \`${name}\`${didYouMean(name, serviceNames)}`, hint: `known services: ${serviceNames.join(', ') || 'none'}` });
        continue;
      }
      if (!isMap(entry)) {
        problems.push({ path: at, message: 'expected a map of service fields' });
        continue;
      }
      if ('sites' in entry)
        problems.push({ path: [...at, 'sites'], at: 'key', message: '`sites` cannot be set in an overlay', hint: `choose where ${name} runs in services.${name}.sites` });
      if (!base.sites.includes(site)) {
        problems.push({ path: at, at: 'key', message: `${name} does not run on ${site}, so this overlay has no effect`, hint: `add ${site} to services.${name}.sites, or remove the overlay` });
        continue;
      }
      const { sites: _ignored, ...fields } = entry;
      const merged = deepMerge(input.rawServices[name], fields);
      const parsed = serviceSchema.safeParse(merged);
      (out[site] ??= {})[name] = { name, ...(parsed.success ? parsed.data : lenientService(merged)), sites: base.sites };
      if (parsed.success) continue;
      for (const p of fromZod(parsed.error.issues, merged, [])) {
        if (valueAt(fields, p.path) !== undefined) problems.push({ ...p, path: [...at, ...p.path] });
        else if (!seen.has(`${formatPath(['services', name, ...p.path])}|${p.message}`))
          problems.push({ ...p, path: ['services', name, ...p.path], message: `${p.message} (on ${site}, after its overlay)` });
      }
    }
  }
  return out;
}
