// What the cross-field rules need besides the Spec: all names, and the loaded text to point into.
import { valueAt } from './_problems.js';
import type { PathKey } from './_words.js';

export interface RuleContext {
  /** every site and service name in the file, including entries that failed to parse */
  siteNames: string[];
  serviceNames: string[];
  /** the loaded `services` and `overlays`, to point at the exact entry a rule is about */
  rawServices: Record<string, unknown>;
  rawOverlays: unknown;
  /** the loaded `rollout` */
  rawRollout?: unknown;
}

/** Where a service field is written for `site`: in that site's overlay if it sets it there, else in the service. */
export function fieldPath(ctx: RuleContext, site: string, service: string, path: PathKey[]): { path: PathKey[]; value: unknown } {
  const overlay = ['overlays', site, 'services', service];
  const inOverlay = valueAt(ctx.rawOverlays, [...overlay.slice(1), ...path]);
  if (inOverlay !== undefined) return { path: [...overlay, ...path], value: inOverlay };
  return { path: ['services', service, ...path], value: valueAt(ctx.rawServices[service], path) };
}

/** Where `service` names `dep` in its depends_on on `site`: the list entry, or the map key. */
export function dependencyPath(ctx: RuleContext, site: string, service: string, dep: string): { path: PathKey[]; at?: 'key' } {
  const { path, value } = fieldPath(ctx, site, service, ['depends_on']);
  if (Array.isArray(value)) return { path: [...path, value.indexOf(dep)] };
  return { ...fieldPath(ctx, site, service, ['depends_on', dep]), at: 'key' };
}
