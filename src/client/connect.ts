// One SiteClient per site: its agent when turtle.yaml names one (`agent: https://host:port`), else its engine.
import { specHash } from '../converge/deploy.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { SiteSpec, Spec } from '../spec/index.js';
import { AgentClient } from './agent.js';
import { EngineClient } from './engine.js';
import { loadIdentity, type Identity } from './identity.js';
import type { SiteClient } from './types.js';

export interface ClientOptions {
  /** --identity DIR, if given */
  identity?: string;
  /** the engine of a site without an agent, checked to answer */
  engine: (site: SiteSpec) => Promise<ContainerRuntime>;
}

export async function siteClient(spec: Spec, site: SiteSpec, options: ClientOptions): Promise<SiteClient> {
  if (site.agent === undefined) return new EngineClient(site.name, spec.project, await options.engine(site));
  // an observer site runs nothing: no budget (its capacity is zero)
  const budget = site.role === 'edge' ? { capacity: site.capacity, budget: site.budget } : undefined;
  return new AgentClient(site.name, spec.project, specHash(spec), site.agent, identityFor(site.name, options.identity), budget);
}

// Read once per command, however many agents it talks to.
const loaded = new Map<string, Identity>();

function identityFor(site: string, flag: string | undefined): Identity {
  const key = flag ?? '';
  const cached = loaded.get(key);
  if (cached) return cached;
  const identity = loadIdentity(flag, site);
  loaded.set(key, identity);
  return identity;
}
