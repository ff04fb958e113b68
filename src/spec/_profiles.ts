// Compose profiles: a service with `profiles` runs only when one of them is active (`--profile NAME`,
// else $COMPOSE_PROFILES); a service without them always runs. Applied to a loaded spec by the CLI.
import { InvalidInputError, type Issue } from '../lib/errors.js';
import type { ServiceSpec, Spec } from './types.js';
import { didYouMean } from './_words.js';

/** The profiles asked for: the --profile values (each may be a comma list), else $COMPOSE_PROFILES. */
export function activeProfiles(flags: readonly string[] | undefined, env: string | undefined): string[] {
  const words = (list: readonly string[]) => list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return flags !== undefined && flags.length > 0 ? words(flags) : words(env === undefined ? [] : [env]);
}

const runs = (s: ServiceSpec, active: ReadonlySet<string>) => s.profiles === undefined || active.has('*') || s.profiles.some((p) => active.has(p));

/**
 * The spec with only the services that run under `active`. A profile asked for by name that no service
 * has is refused when `strict` (a typo would otherwise start nothing), as is a running service that
 * depends on one left out.
 */
export function withProfiles(spec: Spec, active: readonly string[], strict = true): Spec {
  const on = new Set(active);
  const known = [...new Set(Object.values(spec.services).flatMap((s) => s.profiles ?? []))];
  const issues: Issue[] = [];
  if (strict)
    for (const p of active)
      if (p !== '*' && !known.includes(p))
        issues.push({ where: spec.file, path: '', message: `no service has the profile \`${p}\`${didYouMean(p, known)}`, hint: known.length ? `profiles in the spec: ${known.join(', ')}` : 'no service in the spec has `profiles`' });
  const keep = (services: Record<string, ServiceSpec>) => Object.fromEntries(Object.entries(services).filter(([, s]) => runs(s, on)));
  const services = keep(spec.services);
  for (const s of Object.values(services))
    for (const dep of Object.keys(s.dependsOn)) {
      const needed = spec.services[dep];
      if (needed && !(dep in services))
        issues.push({ where: spec.file, path: `services.${s.name}.depends_on`, message: `${s.name} depends on ${dep}, which runs only with the profile ${needed.profiles!.join(' or ')}`, hint: `add --profile ${needed.profiles![0]}, or give ${s.name} the same profiles` });
    }
  if (issues.length > 0) throw new InvalidInputError(`${spec.file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} with the profiles`, issues);
  if (Object.keys(services).length === Object.keys(spec.services).length) return spec;
  const out: Spec = { ...spec, services };
  if (spec.overlays) out.overlays = Object.fromEntries(Object.entries(spec.overlays).map(([site, o]) => [site, keep(o)]));
  return out;
}
