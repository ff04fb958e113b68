// What `turtle optimise --apply` writes into turtle.yaml: per site, per service, the replica count and limits.
import type { OptimiseResult } from './types.js';

export interface Overlay {
  replicas: number;
  resources: { cpus: number; memory: number };
}

/** overlays[site][service]; every replica of a service on one site has the same limits (see plan.ts). */
export function toOverlays(result: OptimiseResult): Record<string, Record<string, Overlay>> {
  const out: Record<string, Record<string, Overlay>> = {};
  for (const p of result.placements) {
    const site = (out[p.site] ??= {});
    const entry = site[p.service];
    if (entry) entry.replicas += 1;
    else site[p.service] = { replicas: 1, resources: { cpus: p.cpus, memory: p.memory } };
  }
  return out;
}
