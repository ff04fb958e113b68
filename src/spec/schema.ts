// The top level of turtle.yaml. Sites and services are parsed one by one (schema-site, schema-service)
// so that one bad entry does not hide problems in the others.
import { z } from 'zod';
import { describeValue } from './_words.js';
import { doc, fail, isMap, obj, str } from './_fields.js';
import { namedMap, PROJECT_NAME, SITE_NAME, UNSUPPORTED_TOP_KEYS } from './schema-site.js';
import { SERVICE_NAME } from './schema-service.js';
import { rollout } from './_rollout.js';
import { networksSection } from './_networks.js';
import { volumesSection } from './_volumes-top.js';
import { configsSection, secretsSection } from './_files-top.js';

/** turtle's own `version: 1`, or a Compose file's `version: "3.8"` (obsolete in Compose itself, and ignored as Compose ignores it). */
const version = z.unknown().transform((v, ctx): 1 => {
  if (v === 1 || v === '1') return 1;
  if (typeof v === 'string' && /^[23](\.\d+)*$/.test(v)) return 1;
  if (typeof v === 'number' && v >= 2 && v < 4) return 1;
  if (typeof v === 'number') return fail(ctx, `version ${v} is not supported; this turtle reads version 1`);
  return fail(ctx, `expected 1 (or a Compose version such as "3.8"), found ${describeValue(v)}`);
});

const projectName = str({ pattern: PROJECT_NAME, rule: 'lower-case letters, digits and -, starting with a letter or digit' });

const overlays = z.unknown().transform((value, ctx): Record<string, unknown> => {
  if (!isMap(value)) return fail(ctx, `expected a map of site name → { services: … }, found ${describeValue(value)}`);
  for (const [site, overlay] of Object.entries(value)) {
    if (!isMap(overlay)) {
      fail(ctx, `expected a map with \`services\`, found ${describeValue(overlay)}`, { path: [site] });
      continue;
    }
    for (const key of Object.keys(overlay))
      if (key !== 'services') fail(ctx, `unknown key \`${key}\``, { path: [site, key], at: 'key', hint: 'an overlay holds only `services`' });
    if ('services' in overlay && !isMap(overlay.services))
      fail(ctx, `expected a map of service name → fields, found ${describeValue(overlay.services)}`, { path: [site, 'services'] });
  }
  return value;
});

export const documentShape = {
  version: doc(version.optional(), { description: 'Format version of this file. A Compose file\'s version string ("3.8") is accepted and ignored, as Compose ignores it.', type: '1', default: '1', example: '1' }),
  project: doc(projectName.optional(), {
    description: 'Name of the project; part of every container, network and volume name. Required unless Compose\'s `name` gives it.', type: 'string [a-z0-9][a-z0-9-]*', default: 'required unless `name` is set', example: 'shop',
  }),
  name: doc(projectName.optional(), { description: 'Compose\'s name of the project: the same as `project` (write one of them, or both alike).', type: 'string [a-z0-9][a-z0-9-]*', example: 'shop' }),
  sites: doc(namedMap('site', SITE_NAME, 'lower-case letters, digits and -, starting with a letter or digit'), {
    description: 'Where services run, by name. See [Sites](#sites).', type: 'map of name → site', example: '{ dc1: { capacity: { cpus: 4, memory: 4g } } }',
  }),
  services: doc(namedMap('service', SERVICE_NAME, 'lower-case letters, digits, _ and -, starting with a letter or digit').optional(), {
    description: 'What runs, by name. See [Services](#services).', type: 'map of name → service', default: '{}', example: '{ web: { image: nginx:1.25 } }',
  }),
  overlays: doc(overlays.optional(), {
    description: 'Per-site values over the shared ones: `overlays.<site>.services.<service>` holds any service fields except `sites`. Maps are merged key by key; lists and other values replace.',
    type: 'map of site → { services: map of service → fields }', default: '{}', example: '{ dc2: { services: { web: { environment: { A: "2" } } } } }',
  }),
  networks: doc(networksSection.optional(), {
    description: 'The project\'s networks, as Compose declares them. Every service joins `default` (`<project>_default`, made by turtle) unless it lists others; on each network the services find each other by service name. See [Networks](#networks).',
    type: 'map of name → { driver, internal, external, name, ipam, labels, driver_opts }', default: '{ default: {} }', example: '{ back: { internal: true } }',
  }),
  volumes: doc(volumesSection.optional(), {
    description: 'The project\'s named volumes, as Compose declares them: a declared volume is `<project>_<key>` on the engine (its own, not shared with another project), unless it has a `name` or is `external`. A named volume a service uses but no top-level `volumes:` declares keeps its bare name (how turtle named volumes before), with a note.',
    type: 'map of name → { driver, driver_opts, external, name, labels }', default: '{}', example: '{ db_data: {} }',
  }),
  secrets: doc(secretsSection.optional(), {
    description: 'The project\'s secrets: a file on this machine (`file:`, as Compose without Swarm), bind-mounted read-only at /run/secrets/<name>; or a value of turtle\'s store (`external: true`, set with `turtle secret set NAME`), encrypted to each site in turtle.secrets/<site>.yaml and decrypted only there, into tmpfs. Neither value is ever kept in turtle\'s records. See [Secrets](#secrets).',
    type: 'map of name → { file } | { external: true, name }', default: '{}', example: '{ db_password: { external: true } }',
  }),
  configs: doc(configsSection.optional(), {
    description: 'The project\'s configs, as Compose declares them: each a file (`file:`), mounted read-only into the services that list it.',
    type: 'map of name → { file }', default: '{}', example: '{ nginx_conf: { file: ./nginx.conf } }',
  }),
  rollout: doc(rollout.optional(), {
    description: 'How a deployment moves across sites: canary order, bake time, failure and unreachable policy. See [Rollout](#rollout).',
    type: 'map', default: '{}', example: '{ order: [dc2, dc1], bake: 30s }',
  }),
};

export const documentSchema = obj(documentShape, { unsupported: UNSUPPORTED_TOP_KEYS, extensions: true });

/** `project`, or Compose's `name`: one of them, and alike when both are written (checked apart, so it is reported beside other problems). */
export function projectProblem(raw: Record<string, unknown>): { path: string[]; message: string; hint: string; at?: 'key' } | undefined {
  if (raw.project === undefined && raw.name === undefined) return { path: [], message: 'missing required key `project`', hint: 'add project: NAME (or Compose\'s name: NAME)' };
  if (raw.project !== undefined && raw.name !== undefined && raw.project !== raw.name)
    return { path: ['name'], at: 'key', message: `\`name\` (${String(raw.name)}) and \`project\` (${String(raw.project)}) both name the project`, hint: 'keep one of them' };
  return undefined;
}
