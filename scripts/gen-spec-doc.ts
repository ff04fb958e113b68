// Writes docs/spec.md from the turtle.yaml schema. Run: npx tsx scripts/gen-spec-doc.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { specReference } from '../src/spec/index.js';

const target = fileURLToPath(new URL('../docs/spec.md', import.meta.url));
writeFileSync(target, specReference());
console.log(`wrote ${target}`);
