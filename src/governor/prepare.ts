// Sets up turtle's cgroup hierarchy before containers are created on a site whose engine is on this host.
import { errorMessage } from '../lib/errors.js';
import type { SiteSpec } from '../spec/index.js';
import { prepareHierarchy, type PrepareResult } from './cgroups.js';

export interface HostPreparation {
  site: string;
  ok: boolean;
  message: string;
  result?: PrepareResult;
}

type SiteRef = Pick<SiteSpec, 'name' | 'engine'>;

/** True when the site's engine listens on a unix socket, i.e. runs on this very host. */
export function engineIsLocal(site: SiteRef): boolean {
  return site.engine.startsWith('unix://');
}

export function prepareLocalHost(site: SiteRef, root = '/sys/fs/cgroup'): HostPreparation | undefined {
  if (!engineIsLocal(site)) return undefined; // the site's agent does it there
  try {
    const result = prepareHierarchy(root);
    const skipped = result.skipped.length ? `; the kernel offers no ${[...new Set(result.skipped.map((p) => p.split('/').pop()))].join(', ')} here` : '';
    return {
      site: site.name,
      ok: true,
      result,
      message: `turtle's containers run under /turtle (cgroup v${result.version}, lowest CPU weight: the host wins every contention)${skipped}`,
    };
  } catch (err) {
    return {
      site: site.name,
      ok: false,
      message: `cannot set turtle's cgroup weights (${errorMessage(err)}): containers run, but without priority below the host's work; run turtle as root on ${site.name}`,
    };
  }
}
