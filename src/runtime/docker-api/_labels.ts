// turtle's ownership labels: written on create, read back by list/inspect (pure).
import { Label, type ContainerSpec, type Resources } from '../../domain/types.js';

/** The user's labels plus turtle's own; turtle's win, so a spec can never forge ownership. */
export function containerLabels(spec: ContainerSpec): Record<string, string> {
  return {
    ...spec.labels,
    [Label.managed]: 'true',
    [Label.project]: spec.project,
    [Label.site]: spec.site,
    [Label.service]: spec.service,
    [Label.replica]: String(spec.replica),
    [Label.configHash]: spec.configHash,
    [Label.priority]: spec.priority,
    [RESOURCES_LABEL]: resourcesLabel(spec.resources),
  };
}

/**
 * The limits a container was created with. Only the adapter reads it, and only as a hint: an in-place
 * update of the limits cannot change a label, so a listing that trusts it inspects whenever it disagrees.
 */
export const RESOURCES_LABEL = 'io.turtle.resources';

/** The limits as a label value: JSON of the set fields only (`{}` for none), so equal limits give equal text. */
export function resourcesLabel(r: Resources): string {
  return JSON.stringify({
    ...(r.cpus ? { cpus: r.cpus } : {}),
    ...(r.memory ? { memory: r.memory } : {}),
    ...(r.memoryReservation ? { memoryReservation: r.memoryReservation } : {}),
  });
}

/** The limits a resources label records; undefined when there is none or it does not read as limits. */
export function labelledResources(value: string | undefined): Resources | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const out: Resources = {};
  for (const [key, n] of Object.entries(parsed)) {
    if ((key !== 'cpus' && key !== 'memory' && key !== 'memoryReservation') || typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
    out[key] = n;
  }
  return out;
}

/** Engine label filter selecting exactly the containers turtle owns in `project`. */
export function projectFilter(project: string): { label: string[] } {
  return { label: [`${Label.managed}=true`, `${Label.project}=${project}`] };
}
