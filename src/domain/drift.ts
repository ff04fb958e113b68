// Drift: how what a site runs differs from its desired state, one item per difference. It is read off the
// planner's steps, so drift and "what a deploy would change" are one rule: a site is clean exactly when a
// deploy would do nothing. The governor never shows as drift: it caps turtle's parent cgroups (not the
// containers' own limits, which are what is compared here) and pauses containers (a paused one counts as
// running, as it does for the planner).
import { plan, type PlanInput } from './plan.js';
import { formatResources, type Step } from './steps.js';

/** `pin`: a tag turtle.lock pins now names other content on the site (turtle drift asks the engine) */
export type DriftKind = 'missing' | 'extra' | 'image' | 'config' | 'resources' | 'state' | 'network' | 'pin';

export interface DriftItem {
  /** `web#1`; `network shop_default` for a network */
  slot: string;
  service: string;
  replica: number;
  kind: DriftKind;
  message: string;
  /** the engine's name of the container found in the slot, when there is one */
  container?: string;
  /** what the spec wants and what runs, for image, config (hash), resources and state */
  wanted?: string;
  found?: string;
}

/** The differences between `desired` (with the operator's stops applied) and what `actual` shows on `site`. */
export function siteDrift(input: PlanInput): DriftItem[] {
  return driftOf(plan(input));
}

/** The drift a plan undoes, by slot (a reconcile that already planned needs no second look at the engine). */
export function driftOf(steps: readonly Step[]): DriftItem[] {
  return steps.map(itemOf).sort((a, b) => a.service.localeCompare(b.service) || a.replica - b.replica);
}

function itemOf(step: Step): DriftItem {
  switch (step.kind) {
    case 'create':
      return item(step.spec, 'missing', 'is missing');
    case 'remove': {
      const c = step.container;
      const why = step.reason === 'duplicate' ? `has a second container ${c.name}`
        : step.reason === 'superseded' ? `has an outdated container ${c.name} beside the current one`
        : `is not in the desired state (container ${c.name})`;
      return item(c, 'extra', why, { container: c.name });
    }
    case 'replace': {
      const { old, spec } = step;
      const at = { container: old.name };
      if (old.configHash === spec.configHash) return item(old, 'state', `is ${old.state}, should be running`, { ...at, wanted: 'running', found: old.state });
      if (old.image !== spec.image) return item(old, 'image', `runs ${old.image}, the spec says ${spec.image}`, { ...at, wanted: spec.image, found: old.image });
      const [found, wanted] = [old.configHash.slice(0, 8) || 'none', spec.configHash.slice(0, 8)];
      return item(old, 'config', `differs from the spec (config ${found}, wanted ${wanted})`, { ...at, wanted: spec.configHash, found: old.configHash });
    }
    case 'update-resources': {
      const [found, wanted] = [formatResources(step.from), formatResources(step.to)];
      return item(step.container, 'resources', `has ${found}, the spec says ${wanted}`, { container: step.container.name, wanted, found });
    }
    case 'start':
      return item(step.container, 'state', `is ${step.container.state}, should be running`, { container: step.container.name, wanted: 'running', found: step.container.state });
    case 'stop':
      return item(step.container, 'state', `is ${step.container.state}, should be stopped (\`turtle stop\`)`, { container: step.container.name, wanted: 'stopped', found: step.container.state });
    case 'connect':
      return item(step.container, 'network', `is not on network ${step.network.name}`, { container: step.container.name, wanted: step.network.name, found: (step.container.networks ?? []).join(', ') || 'none' });
    case 'create-network':
      return network(step.network.name, 'is missing', { wanted: 'present', found: 'missing' });
    case 'recreate-network': {
      const [found, wanted] = [step.old.configHash.slice(0, 8) || 'none', step.network.configHash.slice(0, 8)];
      return network(step.network.name, `differs from the spec (config ${found}, wanted ${wanted})`, { wanted: step.network.configHash, found: step.old.configHash });
    }
    case 'remove-network':
      return network(step.network.name, 'is not in the desired state', { wanted: 'absent', found: 'present' });
  }
}

/** A network's drift: no service or replica (it sorts first). */
function network(name: string, what: string, more: Partial<DriftItem>): DriftItem {
  const slot = `network ${name}`;
  return { slot, service: '', replica: 0, kind: 'network', message: `${slot} ${what}`, ...more };
}

function item(c: { service: string; replica: number }, kind: DriftKind, what: string, more: Partial<DriftItem> = {}): DriftItem {
  const slot = `${c.service}#${c.replica}`;
  return { slot, service: c.service, replica: c.replica, kind, message: `${slot} ${what}`, ...more };
}
