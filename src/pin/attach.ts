// The lock read with the spec: plan, drift, status and deploy all see the same pins.
import type { Spec } from '../spec/types.js';
import { lockPath, readLock } from './lock-file.js';

export function attachPins(spec: Spec): Spec {
  const path = lockPath(spec.file);
  spec.reads = [...(spec.reads ?? []), path];
  const pins = readLock(path, Object.keys(spec.sites));
  if (pins) spec.pins = pins;
  return spec;
}
