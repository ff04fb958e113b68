// Service fields with their own small rules: depends_on, resources, placement, and Compose keys turtle does not take.
import { z } from 'zod';
import type { Resources } from '../domain/types.js';
import type { DependencyCondition } from './types.js';
import { describeValue, formatPath } from './_words.js';
import { doc, fail, isMap, num, obj, oneOf, size, stringList } from './_fields.js';
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
};

export const resources = obj(resourcesShape)
  .superRefine((r, ctx) => {
    if (r.memory !== undefined && r.memory_reservation !== undefined && r.memory_reservation > r.memory)
      fail(ctx, `memory_reservation (${formatBytes(r.memory_reservation)}) is more than memory (${formatBytes(r.memory)})`, {
        path: ['memory_reservation'],
        hint: 'lower memory_reservation or raise memory',
      });
  })
  .transform((r): Resources => {
    const out: Resources = {};
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

/** Compose service keys a Compose user may paste, with what to do instead. */
export const UNSUPPORTED_SERVICE_KEYS: Record<string, string> = {
  build: 'turtle deploys images: build and push the image, then name it in `image`',
  deploy: 'use `replicas`, `resources` and `sites` on the service',
  container_name: 'turtle names containers <project>-<service>-<replica>-<hash>',
  env_file: 'list the variables in `environment`; use ${VAR} to take values from the environment',
  networks: 'services reach each other through published ports for now',
  network_mode: 'services reach each other through published ports for now',
  mem_limit: 'use resources.memory',
  mem_reservation: 'use resources.memory_reservation',
  cpus: 'use resources.cpus',
  links: 'services reach each other through published ports for now',
  extends: 'use YAML anchors (x-common: &common … <<: *common)',
  profiles: 'use `sites` to choose where a service runs',
  privileged: 'turtle does not run privileged containers',
  cap_add: 'turtle only drops capabilities (cap_drop)',
};
