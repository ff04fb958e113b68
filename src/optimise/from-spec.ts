// Adapter: turtle.yaml's Spec (and measured overheads) -> OptimiseInput. The spec has no fields yet for minimum
// limits, cloud prices or observer-class services, so they come in as options until it does.
import { servicesForSite, type ServiceSpec, type Spec } from '../spec/index.js';
import type { Amount, OptimiseInput, OptimiseService, OptimiseSite } from './types.js';

const MIB = 2 ** 20;

export interface SpecAdapterOptions {
  /** measured by `turtle probe`; otherwise DEFAULT_OVERHEAD for the site's runtime */
  overheads?: Record<string, OptimiseSite['overhead']>;
  /** dollars a month per core and per GB, for sites that pay by resource (Fly.io) */
  costs?: Record<string, { perCpu: number; perGB: number }>;
  /** services that may run on an observer site */
  observerClass?: string[];
  /** limits assumed for a service that sets none; default 1 core and 256 MiB */
  defaultMax?: Amount;
  costWeight?: number;
  /**
   * `spec` (default): each service keeps its sites and per-site replica count; only limits are chosen.
   * `free`: the same total number of containers, on any site its role allows, as spread out as possible.
   */
  placement?: 'spec' | 'free';
}

/**
 * Figures measured on the build machine (src/decide/figures.ts, probes 3 and 4), used until a site has
 * probes of its own: per container a containerd shim (Docker, 13.5 MB) or a conmon (Podman, 2 MB); per site
 * the engine daemons.
 */
export const DEFAULT_OVERHEAD: Record<string, OptimiseSite['overhead']> = {
  docker: { perContainer: { cpus: 0, memory: 13 * MIB }, perSite: { cpus: 0, memory: 142 * MIB } },
  podman: { perContainer: { cpus: 0, memory: 2 * MIB }, perSite: { cpus: 0, memory: 38 * MIB } },
};

export function inputFromSpec(spec: Spec, options: SpecAdapterOptions = {}): OptimiseInput {
  // observer sites in turtle.yaml declare no capacity (they run only turtle's observer), so nothing can go there
  const sites = Object.values(spec.sites).filter((s) => s.capacity.cpus > 0 && s.capacity.memory > 0).map((s): OptimiseSite => ({
    name: s.name,
    role: s.role,
    runtime: s.runtime,
    capacity: { ...s.capacity },
    budgetPercent: { ...s.budget },
    overhead: options.overheads?.[s.name] ?? DEFAULT_OVERHEAD[s.runtime] ?? { perContainer: { cpus: 0, memory: 0 }, perSite: { cpus: 0, memory: 0 } },
    ...(options.costs?.[s.name] ? { cost: options.costs[s.name] } : {}),
  }));
  const services = Object.values(spec.services).map((svc) => service(spec, svc, options));
  return { sites, services, ...(options.costWeight === undefined ? {} : { costWeight: options.costWeight }) };
}

function service(spec: Spec, svc: ServiceSpec, options: SpecAdapterOptions): OptimiseService {
  const fallback = options.defaultMax ?? { cpus: 1, memory: 256 * MIB };
  const max = { cpus: svc.resources.cpus ?? fallback.cpus, memory: svc.resources.memory ?? fallback.memory };
  // memory below the reservation risks the OOM killer, so the reservation (or the limit) is the floor; CPU only
  // slows down when cut, so a quarter of the limit is the floor
  const min = { cpus: max.cpus / 4, memory: Math.min(max.memory, svc.resources.memoryReservation ?? max.memory) };
  const current = svc.sites.flatMap((site) => {
    const here = servicesForSite(spec, site).find((s) => s.name === svc.name);
    if (!here) return [];
    return Array.from({ length: here.replicas }, () => ({
      site,
      ...(here.resources.cpus === undefined ? {} : { cpus: here.resources.cpus }),
      ...(here.resources.memory === undefined ? {} : { memory: here.resources.memory }),
    }));
  });
  // turtle.yaml's replicas are per site; the optimiser counts containers in total
  return {
    name: svc.name,
    priority: svc.priority,
    ...(options.placement === 'free' ? {} : { sites: [...svc.sites] }),
    replicas: svc.replicas * svc.sites.length,
    min,
    max,
    observerClass: options.observerClass?.includes(svc.name) ?? false,
    current,
  };
}
