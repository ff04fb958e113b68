// `rollout`: how a deployment moves across sites — which site goes first (the canary), how long each
// site is watched before the next one gets the version, and what happens when a site fails or cannot
// be reached. The cross-site rule (order names edge sites, once each) is checkRollout below.
import { didYouMean, type PathKey } from './_words.js';
import { doc, duration, isMap, obj, oneOf, stringList } from './_fields.js';
import type { Problem } from './_problems.js';
import type { RolloutPolicy, Spec } from './types.js';

export const ROLLOUT_DEFAULTS = { bakeMs: 10_000, onFailure: 'rollback', unreachable: 'wait', waitTimeoutMs: 300_000 } as const;

export const rolloutShape = {
  order: doc(stringList().optional(), {
    description: 'Sites in the order they get a new version; the first is the canary. Edge sites not listed follow, in file order.',
    type: 'list of site names', default: 'the edge sites in file order', example: '[dc2, dc1]',
  }),
  bake: doc(duration().optional(), {
    description: 'After a site converged, how long its services must stay running and healthy (no restarts) before the next site gets the version. The last site is not held.',
    type: 'duration', default: `${ROLLOUT_DEFAULTS.bakeMs / 1000}s`, example: '1m',
  }),
  on_failure: doc(oneOf(['rollback', 'halt'] as const).optional(), {
    description: 'rollback: when a site fails, it and every site already updated go back to the version they had, so no mixed versions remain. halt: stop where it failed and leave every site as it is (to investigate).',
    type: 'rollback | halt', default: ROLLOUT_DEFAULTS.onFailure, example: 'halt',
  }),
  unreachable: doc(oneOf(['wait', 'skip'] as const).optional(), {
    description: 'A site that cannot be reached during the rollout. wait: halt and retry it until `wait_timeout`, then fail (and roll back). skip: go on with the other sites and mark it pending; the next `turtle deploy` brings it up to date.',
    type: 'wait | skip', default: ROLLOUT_DEFAULTS.unreachable, example: 'skip',
  }),
  wait_timeout: doc(duration().optional(), {
    description: 'How long `unreachable: wait` waits for a site (and a rollback for a site it must restore).',
    type: 'duration', default: `${ROLLOUT_DEFAULTS.waitTimeoutMs / 60_000}m`, example: '30m',
  }),
};

export const rollout = obj(rolloutShape).transform(
  (r): Partial<RolloutPolicy> => ({
    ...(r.order !== undefined ? { order: r.order } : {}),
    ...(r.bake !== undefined ? { bakeMs: r.bake } : {}),
    ...(r.on_failure !== undefined ? { onFailure: r.on_failure } : {}),
    ...(r.unreachable !== undefined ? { unreachable: r.unreachable } : {}),
    ...(r.wait_timeout !== undefined ? { waitTimeoutMs: r.wait_timeout } : {}),
  }),
);

/** The policy with its defaults; `order` lists every edge site, the written ones first. */
export function rolloutPolicy(spec: Spec): RolloutPolicy {
  const written = spec.rollout ?? {};
  const edges = Object.values(spec.sites).filter((s) => s.role === 'edge').map((s) => s.name);
  const first = (written.order ?? []).filter((s) => edges.includes(s));
  return { ...ROLLOUT_DEFAULTS, ...written, order: [...first, ...edges.filter((s) => !first.includes(s))] };
}

/** `raw`: the loaded `rollout`, so the order is checked even when another rollout field is invalid. */
export function checkRollout(spec: Spec, siteNames: readonly string[], raw: unknown, problems: Problem[]): void {
  const order = isMap(raw) && Array.isArray(raw.order) ? raw.order : [];
  const seen = new Set<string>();
  order.forEach((site: unknown, i) => {
    if (typeof site !== 'string') return; // the field's own parse reported it
    const path: PathKey[] = ['rollout', 'order', i];
    if (!siteNames.includes(site)) problems.push({ path, message: `unknown site \`${site}\`${didYouMean(site, siteNames)}`, hint: `known sites: ${siteNames.join(', ') || 'none'}` });
    else if (spec.sites[site]?.role === 'observer') problems.push({ path, message: `${site} is an observer site; observers get no versions`, hint: `remove ${site} from rollout.order` });
    else if (seen.has(site)) problems.push({ path, message: `${site} is listed twice`, hint: 'name each site once' });
    seen.add(site);
  });
}
