// In-place resource updates: the request body per engine and the check that the engine really applied it (pure).
import type { Resources, RuntimeKind } from '../../domain/types.js';

const CFS_PERIOD_US = 100_000;

/**
 * Docker: NanoCpus (a container created with NanoCpus rejects quota changes) and MemorySwap = 2 x Memory,
 * Docker's own default, because raising Memory above the swap limit set at create is refused.
 * Podman (5.1+): quota/period, which its compat update honours where it ignores NanoCpus.
 */
export function updateBody(kind: RuntimeKind, r: Resources): Record<string, number> {
  const cpu: Record<string, number> =
    r.cpus === undefined
      ? {}
      : kind === 'docker'
        ? { NanoCpus: Math.round(r.cpus * 1e9) }
        : { CpuPeriod: CFS_PERIOD_US, CpuQuota: Math.round(r.cpus * CFS_PERIOD_US) };
  return {
    ...cpu,
    ...(r.memory !== undefined ? { Memory: r.memory, MemorySwap: r.memory * 2 } : {}),
    ...(r.memoryReservation !== undefined ? { MemoryReservation: r.memoryReservation } : {}),
  };
}

/** Engines treat 0 as "unchanged", so a limit can be changed in place but never removed: compare all three. */
export function sameResources(want: Resources, got: Resources): boolean {
  const cpusEqual = Math.abs((want.cpus ?? 0) - (got.cpus ?? 0)) < 0.001;
  return cpusEqual && (want.memory ?? 0) === (got.memory ?? 0) && (want.memoryReservation ?? 0) === (got.memoryReservation ?? 0);
}

/**
 * Podman before 5.1 changes the cgroup but does not keep the change: inspect and stats still show the
 * old limits and the next restart restores them (podman#22322). Only later versions update for real.
 */
export function podmanKeepsUpdates(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return major > 5 || (major === 5 && minor >= 1);
}

export function describeResources(r: Resources): string {
  const parts = [
    r.cpus !== undefined ? `cpus=${r.cpus}` : 'cpus=unlimited',
    r.memory !== undefined ? `memory=${r.memory}` : 'memory=unlimited',
    r.memoryReservation !== undefined ? `memoryReservation=${r.memoryReservation}` : 'memoryReservation=none',
  ];
  return parts.join(' ');
}
