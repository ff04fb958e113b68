// The turtle.yaml reference, generated from the schema's own field docs so the two cannot drift apart.
import { secretShape } from './_files-top.js';
import { z } from 'zod';
import type { FieldDoc } from './_fields.js';
import { documentShape } from './schema.js';
import { budgetShape, capacityShape, DEFAULT_ENGINE, siteShape } from './schema-site.js';
import { serviceShape } from './schema-service.js';
import { healthcheckShape } from './_healthcheck.js';
import { probeShape } from './_probe.js';
import { dependencyShape, resourcesShape } from './_service-extras.js';
import { portShape } from './_ports.js';
import { updateShape } from './_update.js';
import { rolloutShape } from './_rollout.js';
import { volumeShape } from './_volumes.js';
import { networkShape } from './_networks.js';
import { volumeDefShape } from './_volumes-top.js';
import { REFERENCE_PROSE } from './_reference-prose.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

function table(shape: z.ZodRawShape): string {
  const rows = Object.entries(shape).map(([key, schema]) => {
    const meta = (z.globalRegistry.get(schema as z.ZodType) ?? {}) as Partial<FieldDoc>;
    const required = !(schema as z.ZodType).safeParse(undefined).success;
    const fallback = meta.default ?? (required ? '**required**' : '—');
    // literal values are shown as code, prose ("every edge site") as text
    const literal = meta.default !== undefined && (!meta.default.includes(' ') || /^[{[]/.test(meta.default));
    const dflt = literal ? code(meta.default!) : fallback;
    return `| \`${key}\` | ${cell(meta.type ?? '')} | ${cell(dflt)} | ${cell(meta.description ?? '')} | ${meta.example ? cell(code(meta.example)) : ''} |`;
  });
  return ['| Key | Type | Default | Meaning | Example |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export function specReference(): string {
  const sections: string[] = [
    REFERENCE_PROSE.intro,
    '## Top level\n\nKeys starting with `x-` are ignored here and in a service (Compose extension fields, handy for YAML anchors).',
    table(documentShape),
    '## Sites\n\n`sites.<name>`: a name of lower-case letters, digits and `-`.',
    table(siteShape),
    `Default \`engine\` per runtime: ${Object.entries(DEFAULT_ENGINE).map(([k, v]) => `${k} \`${v}\``).join(', ')}.`,
    '### `capacity`',
    table(capacityShape),
    '### `budget`',
    table(budgetShape),
    '## Services\n\n`services.<name>`: a name of lower-case letters, digits, `_` and `-`. Field names and meanings follow Compose.',
    table(serviceShape),
    '### `ports` entries in map form',
    table(portShape),
    '### `volumes` entries in map form',
    table(volumeShape),
    '### `healthcheck`',
    table(healthcheckShape),
    '### `probe`\n\nExactly one of `http`, `tcp`, `exec`. With the defaults a dead or failing service is noticed within 3 s.',
    table(probeShape),
    '### `depends_on` entries in map form\n\n`depends_on: { db: { condition: service_healthy } }`; the list form `[db]` means `service_started`.',
    table(dependencyShape),
    '### `resources`',
    table(resourcesShape),
    '### `update`',
    table(updateShape),
    '## Rollout\n\n`rollout`: how `turtle deploy` (and `turtle rollback`) moves a version across sites. One site at a time, in `order`; each must converge (every new container healthy) and then stay healthy for `bake` before the next one starts.',
    table(rolloutShape),
    '## Networks\n\n`networks.<name>`: the project\'s networks. Every service joins `default` (`<project>_default`) unless its `networks` names others; on each, the services find each other by service name, `container_name`, `aliases` and `links`.',
    table(networkShape),
    '## Volumes\n\n`volumes.<name>`: the project\'s named volumes. A declared one is `<project>_<name>` on the engine unless it has a `name` or is `external`.',
    table(volumeDefShape),
    [
      '## Secrets',
      '',
      '`secrets.<name>`: a file (`file:`, Compose\'s form without Swarm: bind-mounted from the machine running turtle, so an agent\'s site needs it at the same path) or a value of turtle\'s store (`external: true`).',
      '',
      'A value of the store is set with `turtle secret set NAME [--site S]` (from stdin) and kept in `turtle.secrets/<site>.yaml` beside turtle.yaml, encrypted with age to that site\'s key: its agent\'s (made on its first start, beside its TLS key), or, for an engine on this machine, `.turtle/keys/<site>.age`. The files can be committed: names show, values do not. A site decrypts its values into a tmpfs (`/run/turtle/secrets/<site>/<project>/<service>/<container>/`) and mounts each read-only at `/run/secrets/<target>` with its `uid`, `gid` and `mode`; `environment: { VAR: { secret: NAME } }` passes one as a variable instead (the engine then shows it in `docker inspect`). A new value replaces, at the next deploy, only the containers that read it. A site whose engine is remote and that has no agent cannot take secrets of the store: the deploy is refused.',
    ].join('\n'),
    table(secretShape),
    REFERENCE_PROSE.rest,
  ];
  return `${sections.join('\n\n')}\n`;
}
