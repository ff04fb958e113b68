// Service fields with their own small rules: depends_on, resources, placement, and Compose keys turtle does not take.
import { z } from 'zod';
import type { Bandwidth, Resources } from '../domain/types.js';
import type { DependencyCondition } from './types.js';
import { describeValue, formatPath } from './_words.js';
import { doc, fail, isMap, num, obj, oneOf, rate, size, stringList } from './_fields.js';
import { formatBytes } from './_units.js';

const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'] as const;

export const dependencyShape = {
  condition: doc(oneOf(CONDITIONS).optional(), {
    description: 'What the dependency must reach before this service starts.',
    type: CONDITIONS.join(' | '),
    default: 'service_started',
    example: 'service_healthy',
  }),
};
const dependency = obj(dependencyShape);

export const dependsOn = z.unknown().transform((value, ctx): Record<string, DependencyCondition> => {
  const out: Record<string, DependencyCondition> = {};
  if (Array.isArray(value)) {
    value.forEach((name, i) => {
      if (typeof name !== 'string') return fail(ctx, `expected a service name, found ${describeValue(name)}`, { path: [i] });
      if (name in out) return fail(ctx, `\`${name}\` is listed twice`, { path: [i] });
      out[name] = 'service_started';
    });
    return out;
  }
  if (!isMap(value)) return fail(ctx, `expected a list of service names or a map, found ${describeValue(value)}`);
  for (const [name, entry] of Object.entries(value)) {
    const parsed = dependency.safeParse(entry);
    if (parsed.success) out[name] = parsed.data.condition ?? 'service_started';
    else if (!isMap(entry)) fail(ctx, `expected a map such as { condition: service_healthy }, found ${describeValue(entry)}`, { path: [name] });
    else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [name, ...issue.path], input: undefined } as z.core.$ZodRawIssue);
  }
  return out;
});

/** Docker refuses memory limits under 6 MiB. */
const MIN_MEMORY = 6 * 2 ** 20;

export const resourcesShape = {
  cpus: doc(num({ above: 0 }).optional(), {
    description: 'CPU limit in cores. Counts against the site budget (× replicas).', type: 'number > 0', example: '0.5',
  }),
  memory: doc(size({ min: MIN_MEMORY, minText: '6m' }).optional(), {
    description: 'Hard memory limit. Counts against the site budget (× replicas).', type: 'size', example: '256m',
  }),
  memory_reservation: doc(size().optional(), {
    description: 'Soft memory limit the engine reclaims towards under pressure; at most `memory`.', type: 'size', example: '128m',
  }),
  egress: doc(rate().optional(), {
    description: "Bandwidth the container may send beyond the project's networks (to the LAN, the world, the host), shaped with tc by the site's agent; traffic to the project's own containers is not limited. Not a Compose key.",
    type: 'rate', default: 'no limit', example: '20mbit',
  }),
  ingress: doc(rate().optional(), {
    description: "Bandwidth the container may receive from beyond the project's networks, shaped the same way.",
    type: 'rate', default: 'no limit', example: '50mbit',
  }),
};

export const resources = obj(resourcesShape)
  .superRefine((r, ctx) => {
    if (r.memory !== undefined && r.memory_reservation !== undefined && r.memory_reservation > r.memory)
      fail(ctx, `memory_reservation (${formatBytes(r.memory_reservation)}) is more than memory (${formatBytes(r.memory)})`, {
        path: ['memory_reservation'],
        hint: 'lower memory_reservation or raise memory',
      });
  })
  .transform((r): Resources & { bandwidth?: Bandwidth } => {
    const out: Resources & { bandwidth?: Bandwidth } = {};
    if (r.egress !== undefined || r.ingress !== undefined) out.bandwidth = { ...(r.egress !== undefined ? { egress: r.egress } : {}), ...(r.ingress !== undefined ? { ingress: r.ingress } : {}) };
    if (r.cpus !== undefined) out.cpus = r.cpus;
    if (r.memory !== undefined) out.memory = r.memory;
    if (r.memory_reservation !== undefined) out.memoryReservation = r.memory_reservation;
    return out;
  });

/** A list of names with no repeats and at least one entry. */
export function nameList(what: string) {
  return stringList().superRefine((names, ctx) => {
    if (names.length === 0) fail(ctx, `must name at least one ${what}`);
    names.forEach((name, i) => {
      const first = names.indexOf(name);
      if (first !== i) fail(ctx, `\`${name}\` is listed twice (first at ${formatPath([first])})`, { path: [i] });
    });
  });
}

/**
 * Compose service keys turtle does not take, each with what it is for and what to do instead: a Compose
 * key never gets the generic "unknown key". (The keys turtle takes are in serviceShape.)
 */
const SWARM_LATER = 'kept with its Compose meaning for a later issue';
const PRIORITY = 'turtle sets CPU weights itself, by `priority` (critical, normal, background), under its own cgroup';
export const UNSUPPORTED_SERVICE_KEYS: Record<string, string> = {
  extends: 'use YAML anchors (x-common: &common … <<: *common)',
  annotations: 'OCI annotations are not passed to the engine; use `labels`',
  attach: 'turtle never attaches to a container\'s output; read it with `turtle logs`',
  blkio_config: 'block I/O weights and limits are not supported yet',
  cgroup: 'the cgroup namespace is the engine\'s default',
  cgroup_parent: 'turtle creates every container under its own cgroup (/turtle/<priority>) so the site\'s governor can hold it back; leave cgroup_parent out',
  cpu_count: 'use resources.cpus', cpu_percent: 'use resources.cpus', cpu_period: 'use resources.cpus', cpu_quota: 'use resources.cpus',
  cpu_rt_period: 'real-time scheduling is not supported', cpu_rt_runtime: 'real-time scheduling is not supported',
  cpu_shares: PRIORITY, cpuset: 'CPU pinning is not supported; use resources.cpus',
  credential_spec: 'Windows containers are not supported',
  develop: 'Compose Watch is a development tool; turtle deploys released images',
  device_cgroup_rules: 'map the device itself with `devices`',
  external_links: 'join the other project\'s network (top-level networks with `external: true`) and use its service names',
  gpus: 'GPUs are not supported yet; map a device node with `devices`',
  ipc: 'the IPC namespace is the engine\'s default (private); share memory with shm_size or a tmpfs',
  isolation: 'Windows isolation is not supported',
  label_file: 'write the labels in `labels`',
  mac_address: 'the engine picks MAC addresses',
  mem_swappiness: 'use memswap_limit to bound swap',
  models: 'AI models are not supported',
  oom_kill_disable: 'a container that cannot be OOM-killed can take a router down; set resources.memory instead',
  pid: 'the PID namespace is private to each container',
  post_start: 'lifecycle hooks are not supported; do it in the entrypoint',
  pre_stop: 'lifecycle hooks are not supported; handle stop_signal in the container',
  provider: 'provider services are not supported',
  storage_opt: 'storage driver options are not supported',
  use_api_socket: 'turtle does not give containers the engine\'s socket; mount it with `volumes` if you must',
  userns_mode: 'user namespaces are the engine\'s setting',
  uts: 'the UTS namespace is private; set `hostname`',
  volumes_from: 'mount the same named volume in both services with `volumes`',
};
