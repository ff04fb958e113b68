// The reference is generated from the schema: docs/spec.md must be current, and every field documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { specReference } from '../../src/spec/index.js';
import { documentShape } from '../../src/spec/schema.js';
import { budgetShape, capacityShape, siteShape } from '../../src/spec/schema-site.js';
import { serviceShape } from '../../src/spec/schema-service.js';
import { healthcheckShape } from '../../src/spec/_healthcheck.js';
import { probeShape } from '../../src/spec/_probe.js';
import { dependencyShape, resourcesShape } from '../../src/spec/_service-extras.js';
import { portShape } from '../../src/spec/_ports.js';
import { volumeShape } from '../../src/spec/_volumes.js';
import { updateShape } from '../../src/spec/_update.js';
import { rolloutShape } from '../../src/spec/_rollout.js';

test('docs/spec.md is up to date (regenerate: npx tsx scripts/gen-spec-doc.ts)', () => {
  const onDisk = readFileSync(fileURLToPath(new URL('../../docs/spec.md', import.meta.url)), 'utf8');
  assert.equal(onDisk, specReference());
});

test('every field has a meaning, a type and an example, and appears in the reference', () => {
  const shapes = { documentShape, siteShape, capacityShape, budgetShape, serviceShape, portShape, volumeShape, healthcheckShape, probeShape, dependencyShape, resourcesShape, updateShape, rolloutShape };
  const reference = specReference();
  let fields = 0;
  for (const [shapeName, shape] of Object.entries(shapes)) {
    for (const [key, schema] of Object.entries(shape)) {
      const meta = z.globalRegistry.get(schema as z.ZodType) as { description?: string; type?: string; example?: string } | undefined;
      assert.ok(meta?.description && meta.type && meta.example, `${shapeName}.${key} lacks description, type or example`);
      assert.ok(reference.includes(`| \`${key}\` |`), `${shapeName}.${key} missing from the reference`);
      fields++;
    }
  }
  assert.equal(fields, 124);
});

test('the reference states turtle\'s own defaults', () => {
  const reference = specReference();
  for (const line of [
    '| `restart` | no \\| always \\| on-failure \\| unless-stopped | `unless-stopped` |',
    '| `interval` | duration | `10s` |',
    '| `sites` | list of site names | every edge site |',
    '| `budget` | map | `{ cpu: 10, memory: 10 }` |',
  ])
    assert.ok(reference.includes(line), line);
  assert.match(reference, /A service\s+without declared limits counts 0 here; it is governed at runtime instead/);
});
