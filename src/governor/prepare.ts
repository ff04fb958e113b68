// Sets up turtle's cgroup hierarchy before containers are created on a site whose engine is on this host.
import { errorMessage } from '../lib/errors.js';
import type { SiteSpec } from '../spec/index.js';
import type { CgroupDriver } from '../domain/cgroup.js';
import { prepareHierarchy, prepareSlices, type PrepareResult, type SliceDeps } from './cgroups.js';
import { isLocalEngine } from '../lib/endpoint.js';

export interface HostPreparation {
  site: string;
  ok: boolean;
  message: string;
  result?: PrepareResult;
}

type SiteRef = Pick<SiteSpec, 'name' | 'engine'>;

/** True when the site's engine listens on a unix socket, i.e. runs on this very host. */
export function engineIsLocal(site: SiteRef): boolean {
  return isLocalEngine(site.engine);
}

/**
 * Readies turtle's cgroups on this host for the engine's `driver`: the /turtle tree and its weights
 * (cgroupfs), or the turtle slices (systemd). undefined when the site's engine is elsewhere.
 */
export function prepareLocalHost(site: SiteRef, root = '/sys/fs/cgroup', driver: CgroupDriver = 'cgroupfs', slices: SliceDeps = {}): HostPreparation | undefined {
  if (!engineIsLocal(site)) return undefined; // the site's agent does it there
  const where = driver === 'systemd' ? 'turtle.slice' : '/turtle';
  try {
    const result = driver === 'systemd' ? prepareSlices({ root, ...slices }) : prepareHierarchy(root);
    const skipped = result.skipped.length ? `; the kernel offers no ${[...new Set(result.skipped.map((p) => p.split('/').pop()))].join(', ')} here` : '';
    return {
      site: site.name,
      ok: true,
      result,
      message: `turtle's containers run under ${where} (cgroup v${result.version}${driver === 'systemd' ? ", the engine's systemd driver: weights set by slice units" : ''}, lowest CPU weight: the host wins every contention)${skipped}`,
    };
  } catch (err) {
    return {
      site: site.name,
      ok: false,
      message: `cannot set turtle's ${driver === 'systemd' ? 'slice' : 'cgroup'} weights (${errorMessage(err)}): containers run, but without priority below the host's work; run turtle as root on ${site.name}`,
    };
  }
}
