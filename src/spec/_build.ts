// From the loaded (and interpolated) document to a Spec, collecting every problem on the way.
import type { ServiceSpec, SiteSpec, Spec } from './types.js';
import type { Env } from './_interpolate.js';
import { isMap } from './_fields.js';
import { fromZod, unreported, type Problem } from './_problems.js';
import { applyOverlays } from './_overlays.js';
import { documentSchema, projectProblem } from './schema.js';
import { lenientSite, siteSchema } from './schema-site.js';
import { lenientService, serviceSchema } from './schema-service.js';
import { checkRules } from './_rules.js';
import { checkCompose } from './_compose-checks.js';
import { describeValue } from './_words.js';
import { networksSection, resolveContainerModes } from './_networks.js';
import { resolveVolumes, volumesSection } from './_volumes-top.js';
import { readableFiles, resolveFiles } from './_files-top.js';
import { readableSection } from './_sections.js';
import { homedir } from 'node:os';

function entries(value: unknown): [string, unknown][] {
  return isMap(value) ? Object.entries(value) : [];
}

export function build(raw: unknown, file: string, problems: Problem[], env: Env = {}): Spec | undefined {
  if (raw === null || raw === undefined) {
    problems.push({ path: [], message: 'the file is empty', hint: 'start with version: 1, project, sites and services' });
    return undefined;
  }
  if (!isMap(raw)) {
    problems.push({ path: [], message: `expected a map with version, project, sites and services, found ${describeValue(raw)}` });
    return undefined;
  }
  const top = documentSchema.safeParse(raw);
  const project = projectProblem(raw);
  if (project) problems.push(project);
  if (!top.success) problems.push(...fromZod(top.error.issues, raw, []));

  const sites: Record<string, SiteSpec> = {};
  for (const [name, value] of entries(raw.sites)) {
    const parsed = siteSchema.safeParse(value);
    // An invalid site still takes part in the rules; the Spec is only returned when there are no problems.
    sites[name] = { name, ...(parsed.success ? parsed.data : lenientSite(value)) };
    if (!parsed.success) problems.push(...fromZod(parsed.error.issues, value, ['sites', name]));
  }
  const siteNames = entries(raw.sites).map(([name]) => name);
  // Default placement follows the role as written, so a site with other problems still counts.
  const edgeSites = entries(raw.sites)
    .filter(([, v]) => !(isMap(v) && v.role === 'observer'))
    .map(([name]) => name);

  const baseProblems: Problem[] = [];
  const services: Record<string, ServiceSpec> = {};
  const rawServices = Object.fromEntries(entries(raw.services));
  for (const [name, value] of entries(raw.services)) {
    const parsed = serviceSchema.safeParse(value);
    const fields = parsed.success ? parsed.data : lenientService(value);
    services[name] = { name, ...fields, sites: fields.sites ?? edgeSites };
    if (!parsed.success) baseProblems.push(...fromZod(parsed.error.issues, value, ['services', name]));
  }
  problems.push(...baseProblems);

  resolveContainerModes(services, problems);
  const overlays = applyOverlays({ raw: raw.overlays, rawServices, siteNames, sites, services, baseProblems }, problems);
  const spec: Spec = { version: 1, project: String(raw.project ?? raw.name), sites, services, file };
  if (Object.keys(overlays).length > 0) spec.overlays = overlays;
  const fresh = unreported(problems);
  for (const [site, own] of Object.entries(overlays)) {
    const found: Problem[] = [];
    resolveContainerModes({ ...services, ...own }, found, (s) => (s in own ? ['overlays', site, 'services', s] : ['services', s]));
    problems.push(...fresh(found));
  }
  if (top.success && top.data.rollout !== undefined) spec.rollout = top.data.rollout;
  if (raw.networks !== undefined) spec.networks = readableSection(networksSection, raw.networks, () => ({ external: false, driver: 'bridge', internal: false, subnets: [], driverOpts: {}, labels: {} }));
  if (raw.volumes !== undefined) spec.volumes = readableSection(volumesSection, raw.volumes, () => ({ external: false, driverOpts: {}, labels: {} }));
  for (const key of ['secrets', 'configs'] as const) if (raw[key] !== undefined) spec[key] = readableFiles(key, raw[key]);
  resolveVolumes(spec, problems);
  resolveFiles(spec, problems, homedir());
  checkCompose(spec, { rawServices, rawOverlays: raw.overlays, env }, problems);
  checkRules(spec, { siteNames, serviceNames: Object.keys(rawServices), rawServices, rawOverlays: raw.overlays, rawRollout: raw.rollout }, problems);
  return spec;
}

