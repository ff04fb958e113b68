// Counts how many real Compose files turtle validates as written: `npx tsx scripts/compose-corpus.ts FOLDER`.
// FOLDER holds the projects as their repositories have them (each Compose file beside its .env and the
// files it names), at any depth; files named compose*.yml / docker-compose*.yml are counted.
// Each file gets only what turtle needs beyond Compose (a `project` where the file has no `name`, and one
// docker site with room for everything), then goes through turtle's parser. Prints the files that pass,
// the image-based ones apart (a file that builds its images cannot run on a router as written), and the
// refusals grouped by key, with one message of each. The files stay where they are: they are other people's.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadSpecFile } from '../src/spec/index.js';
import { InvalidInputError } from '../src/lib/errors.js';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: npx tsx scripts/compose-corpus.ts FOLDER   (a folder of Compose files, read only)');
  process.exit(2);
}
const SITE = { dc1: { role: 'edge', runtime: 'docker', capacity: { cpus: 64, memory: '256g' }, budget: { cpu: 100, memory: 100 } } };

interface Result { file: string; imageBased: boolean; problems: { key: string; message: string }[] }

function check(file: string): Result | undefined {
  const text = readFileSync(join(folder!, file), 'utf8');
  const doc = parseDocument(text, { merge: true, uniqueKeys: false });
  const raw = doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || typeof raw.services !== 'object' || raw.services === null) return undefined;
  const services = Object.values(raw.services as Record<string, Record<string, unknown> | null>);
  const imageBased = services.every((s) => s !== null && typeof s === 'object' && typeof s.image === 'string');
  if (raw.name === undefined) doc.set('project', basename(dirname(join(folder!, file))).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'corpus');
  doc.set('sites', doc.createNode(SITE));
  try {
    loadSpecFile(join(folder!, file), {}, doc.toString());
    return { file, imageBased, problems: [] };
  } catch (err) {
    if (!(err instanceof InvalidInputError)) return { file, imageBased, problems: [{ key: '(crash)', message: String(err) }] };
    return { file, imageBased, problems: err.issues.map((i) => ({ key: keyOf(i.path), message: `${i.message}${i.hint ? ` (${i.hint})` : ''}` })) };
  }
}

/** `services.web.volumes[0]` → `volumes`; `networks.back` → top-level `networks`. */
function keyOf(path: string): string {
  const parts = path.split(/[.[]/);
  if (parts[0] === 'services' && parts.length > 2) return parts[2]!;
  return parts[0] || '(file)';
}

const COMPOSE_FILE = /^(docker-)?compose[\w.-]*\.ya?ml$/;
const results = (readdirSync(folder, { recursive: true }) as string[]).filter((f) => COMPOSE_FILE.test(basename(f))).sort().map(check).filter((r): r is Result => r !== undefined);
const pass = (rs: Result[]) => rs.filter((r) => r.problems.length === 0).length;
const imageBased = results.filter((r) => r.imageBased);
const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(0)}%`);
console.log(`files with services: ${results.length}; validate as written: ${pass(results)} (${pct(pass(results), results.length)})`);
console.log(`image-based files:   ${imageBased.length}; validate as written: ${pass(imageBased)} (${pct(pass(imageBased), imageBased.length)})`);
const byKey = new Map<string, { files: Set<string>; example: string }>();
for (const r of results)
  for (const p of r.problems) {
    const entry = byKey.get(p.key) ?? { files: new Set(), example: p.message };
    entry.files.add(r.file);
    byKey.set(p.key, entry);
  }
console.log('\nrefusals by key (files, one message):');
for (const [key, { files, example }] of [...byKey].sort((a, b) => b[1].files.size - a[1].files.size))
  console.log(`  ${String(files.size).padStart(4)}  ${key}: ${example.length > 160 ? `${example.slice(0, 157)}...` : example}`);
