// The desired state a deploy pushes to a site's agent, built from a turtle.yaml the way the CLI builds it.
import { siteRenderOptions, specHash } from '../../src/converge/deploy.js';
import { renderSite } from '../../src/domain/render.js';
import { withProxy } from '../../src/proxy/index.js';
import { parseSpec, servicesForSite, type Spec } from '../../src/spec/index.js';
import type { DesiredState } from '../../src/store/agent-state.js';

/**
 * What PUT /v1/desired carries for `site`: its services with overlays, rendered, and the site's proxy when a
 * service is proxied (as `desiredContainers` does for a deploy, without the operator's stops): its project
 * networks, and the site's pool and host_access. `withBudget`: the site's capacity and budget too, as the CLI
 * sends them (its governor's, and the bandwidth cap).
 * `spec` is a parsed spec or a turtle.yaml text.
 */
export function desiredState(spec: Spec | string, site: string, opts: { withBudget?: boolean } = {}): DesiredState {
  const parsed = typeof spec === 'string' ? parseSpec(spec, 'turtle.yaml', {}) : spec;
  const containers = withProxy(renderSite(servicesForSite(parsed, site), siteRenderOptions(parsed, site)));
  const s = parsed.sites[site];
  const budget = opts.withBudget && s ? { site: { capacity: s.capacity, budget: s.budget } } : {};
  return { project: parsed.project, specHash: specHash(parsed), containers, ...budget };
}
