// Seeded random instances for the optimiser's tests and benchmark: three sites shaped like dc1, dc2 and dc3.
import type { OptimiseInput, OptimiseService, OptimiseSite } from './types.js';

const MIB = 2 ** 20;
const PRIORITIES = ['critical', 'normal', 'background'] as const;

/** mulberry32: small, fast, and the same sequence on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomOptions {
  services: number;
  /** most replicas a service may ask for; default 2 */
  maxReplicas?: number;
  /** scale site capacities so that `services` can fit; default services / 4 */
  scale?: number;
  /** give every service a site its role and `sites` allow (large instances are otherwise almost never feasible) */
  placeable?: boolean;
}

export function randomInput(seed: number, options: RandomOptions): OptimiseInput {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const between = (lo: number, hi: number): number => lo + r() * (hi - lo);
  const scale = options.scale ?? Math.max(1, options.services / 4);
  const sites: OptimiseSite[] = [
    site('dc1', 'edge', 'docker', 4 * scale, 4096 * scale, 10, { cpus: 0, memory: 13 }, r() < 0.5 ? { cpus: 0.02, memory: 142 } : { cpus: 0, memory: 0 }),
    site('dc2', 'edge', 'podman', 2 * scale, (options.placeable ? 1024 : 512) * scale, Math.round(between(10, 30)), { cpus: 0, memory: 13 }, { cpus: 0, memory: 0 }),
    { ...site('dc3', r() < 0.5 ? 'observer' : 'edge', 'docker', 1 * scale, 1024 * scale, 100, { cpus: 0, memory: 0 }, { cpus: 0, memory: 0 }), cost: { perCpu: round(between(0.5, 4)), perGB: round(between(1, 6)) } },
  ];
  const services: OptimiseService[] = [];
  for (let i = 0; i < options.services; i++) {
    const minCpu = round(between(0.01, 0.1));
    const minMem = Math.round(between(8, 96)) * MIB;
    const observerClass = r() < 0.25;
    const allowed = sites.filter(() => r() < 0.7).map((s) => s.name);
    if (options.placeable && !observerClass && !allowed.some((n) => sites.find((s) => s.name === n)!.role === 'edge')) allowed.push('dc1');
    services.push({
      name: `svc${i}`,
      priority: pick(PRIORITIES),
      replicas: 1 + Math.floor(r() * (options.maxReplicas ?? 2)),
      ...(r() < 0.4 && allowed.length > 0 ? { sites: allowed } : {}),
      min: { cpus: minCpu, memory: minMem },
      max: { cpus: round(minCpu + between(0, 0.5)), memory: minMem + Math.round(between(0, 192)) * MIB },
      observerClass,
    });
  }
  return { sites, services, costWeight: round(between(0.2, 2)) };
}

function site(name: string, role: OptimiseSite['role'], runtime: string, cpus: number, mib: number, pct: number, perContainer: { cpus: number; memory: number }, perSite: { cpus: number; memory: number }): OptimiseSite {
  return {
    name, role, runtime,
    capacity: { cpus, memory: mib * MIB },
    budgetPercent: { cpu: pct, memory: pct },
    overhead: {
      perContainer: { cpus: perContainer.cpus, memory: perContainer.memory * MIB },
      perSite: { cpus: perSite.cpus, memory: perSite.memory * MIB },
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
