// `update` and `proxy`: how a service's containers are replaced, and whether the site proxy serves its ports.
import type { UpdatePolicy } from '../domain/types.js';
import { UPDATE_DEFAULTS } from '../domain/types.js';
import { doc, duration, obj, oneOf } from './_fields.js';

export const updateShape = {
  order: doc(oneOf(['start-first', 'stop-first'] as const).optional(), {
    description: 'start-first: the new container runs (and, behind the proxy, takes traffic) before the old one stops. stop-first: the old one stops first, for services that must not run twice (an exclusive volume). A service publishing host ports without `proxy` is always replaced stop-first.',
    type: 'start-first | stop-first', default: 'start-first', example: 'stop-first',
  }),
  min_healthy: doc(duration().optional(), {
    description: 'How long a new container must stay running and healthy (its healthcheck, when it has one) before it gets traffic and the old one goes.',
    type: 'duration', default: `${UPDATE_DEFAULTS.minHealthyMs / 1000}s`, example: '10s',
  }),
  drain_timeout: doc(duration().optional(), {
    description: 'Behind the proxy: how long the old container may finish the requests it is serving once traffic moved, before they are closed and it stops.',
    type: 'duration', default: `${UPDATE_DEFAULTS.drainTimeoutMs / 1000}s`, example: '30s',
  }),
};

export const update = obj(updateShape).transform((u): UpdatePolicy => ({
  ...(u.order !== undefined ? { order: u.order } : {}),
  ...(u.min_healthy !== undefined ? { minHealthyMs: u.min_healthy } : {}),
  ...(u.drain_timeout !== undefined ? { drainTimeoutMs: u.drain_timeout } : {}),
}));

export const proxyMode = oneOf(['http', 'tcp'] as const);
