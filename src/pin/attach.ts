// The lock read with the spec (plan, drift, status and deploy all see the same pins), and each site's pins
// of the images its services use.
import type { Spec } from '../spec/types.js';
import { lockPath, readLock, type Pin } from './lock-file.js';

export function attachPins(spec: Spec): Spec {
  const path = lockPath(spec.file);
  spec.reads = [...(spec.reads ?? []), path];
  const pins = readLock(path, Object.keys(spec.sites));
  if (pins) spec.pins = pins;
  return spec;
}

/** The pins of `site` (absent: the project has no lock). */
export function sitePins(spec: Spec, site: string): Record<string, Pin> | undefined {
  return spec.pins ? spec.pins[site] ?? {} : undefined;
}
