// Compose's `deploy:` section: its resources, replicas and restart condition map onto turtle's own fields;
// the Swarm keys keep Swarm's meaning for a later issue and are refused with what to use meanwhile.
import { doc, num, obj, oneOf, size } from './_fields.js';
import { z } from 'zod';
import { describeValue } from './_words.js';

const MIN_MEMORY = 6 * 2 ** 20;

const limits = obj(
  {
    cpus: doc(num({ above: 0 }).optional(), { description: 'CPU limit in cores (= resources.cpus).', type: 'number > 0', example: '0.5' }),
    memory: doc(size({ min: MIN_MEMORY, minText: '6m' }).optional(), { description: 'Memory limit (= resources.memory).', type: 'size', example: '256m' }),
    pids: doc(num({ int: true, min: -1 }).optional(), { description: 'Process limit (= pids_limit).', type: 'integer', example: '100' }),
  },
  { unsupported: { devices: 'device limits are not supported; map a device node with `devices`' } },
);

const reservations = obj(
  { memory: doc(size().optional(), { description: 'Soft memory limit (= resources.memory_reservation).', type: 'size', example: '128m' }) },
  {
    unsupported: {
      cpus: 'turtle has no CPU reservation: use `priority` (critical services are slowed last) or a limit in deploy.resources.limits.cpus',
      devices: 'GPU and device reservations are not supported; map a device node with `devices`',
      generic_resources: 'Swarm generic resources are not supported',
    },
  },
);

const RESTART = { none: 'no', 'on-failure': 'on-failure', any: 'always' } as const;

const restartPolicy = obj(
  {
    condition: doc(
      oneOf(['none', 'on-failure', 'any'] as const).transform((c) => RESTART[c]).optional(),
      { description: 'none = restart: no, on-failure, any = restart: always.', type: 'none | on-failure | any', example: 'on-failure' },
    ),
  },
  {
    unsupported: {
      delay: 'the engine restarts a container at once and turtle retries with capped backoff; leave delay out',
      max_attempts: 'turtle keeps restarting a failed service (with backoff) and reports it; leave max_attempts out',
      window: 'leave window out: turtle\'s probes decide when a restarted container counts as healthy (`probe`, `update.min_healthy`)',
    },
  },
);

const SWARM = 'Swarm keeps its meaning for turtle\'s Swarm sites (a later issue)';

export const deployShape = {
  replicas: doc(num({ int: true, min: 1 }).optional(), { description: 'Containers per site (= replicas).', type: 'integer >= 1', example: '2' }),
  resources: doc(obj({ limits: limits.optional(), reservations: reservations.optional() }).optional(), {
    description: 'limits.cpus, limits.memory, limits.pids and reservations.memory, as resources and pids_limit.', type: 'map', example: '{ limits: { cpus: "0.5", memory: 256m } }',
  }),
  restart_policy: doc(restartPolicy.optional(), { description: 'Only `condition`, as `restart`.', type: 'map', example: '{ condition: on-failure }' }),
  mode: doc(
    z.unknown().transform((v, ctx) => {
      if (v === 'replicated') return v;
      ctx.addIssue({
        code: 'custom', input: undefined,
        message: v === 'global' ? '`mode: global` (one container on every node) is Swarm\'s, not supported yet' : `expected replicated, found ${describeValue(v)}`,
        params: { hint: `${SWARM}; to run a service on every site, leave out \`sites\` (the default is every edge site)` },
      });
      return z.NEVER;
    }).optional(),
    { description: 'Only `replicated` (what turtle does).', type: 'replicated', default: 'replicated', example: 'replicated' },
  ),
};

export const deploySchema = obj(deployShape, {
  unsupported: {
    placement: `${SWARM}; to choose where a service runs, list the sites in \`sites\``,
    update_config: `${SWARM}; use \`update\` (order, min_healthy, drain_timeout) and the top-level \`rollout\``,
    rollback_config: `${SWARM}; turtle rolls a failed deployment back by \`rollout.on_failure: rollback\`, or run \`turtle rollback\``,
    labels: `${SWARM} (labels on the Swarm service); put container labels in \`labels\``,
    endpoint_mode: `${SWARM}; on turtle's project networks a service name resolves to its containers`,
  },
});

export type DeployFields = z.output<typeof deploySchema>;
