// Resource limits compared the way engines store them: absent and 0 both mean "unlimited",
// and CPUs are kept as integer nano-CPUs, so 0.1 + 0.2 never looks like drift.
import type { Resources } from './types.js';

export function resourcesEqual(a: Resources, b: Resources): boolean {
  return (
    nanoCpus(a.cpus) === nanoCpus(b.cpus) &&
    (a.memory ?? 0) === (b.memory ?? 0) &&
    (a.memoryReservation ?? 0) === (b.memoryReservation ?? 0)
  );
}

export function nanoCpus(cpus: number | undefined): number {
  return Math.round((cpus ?? 0) * 1e9);
}
