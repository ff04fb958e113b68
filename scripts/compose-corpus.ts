// Counts how many real Compose files turtle validates as written, and after `turtle import`:
//   npx tsx scripts/compose-corpus.ts FOLDER
// FOLDER holds the projects as their repositories have them (each Compose file beside its .env and the
// files it names), at any depth; files named compose*.yml / docker-compose*.yml are counted.
// "As written": each file gets only what turtle needs beyond Compose (a `project` where the file has no
// `name`, and one docker site with room for everything), then goes through turtle's loader. "After import":
// the file goes through `turtle import` (in a scratch copy of its folder, as import writes files beside it).
// A file Compose itself would refuse without its user's own values (a `${VAR:?}` that must be set, an
// env_file the user creates) is counted apart: neither turtle nor Compose can run it before those exist.
// Prints the counts, the image-based files apart (a file that builds its images cannot run on a router
// as written), and the refusals grouped by key, with one message of each. The files stay where they
// are: they are other people's.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadSpecFile } from '../src/spec/index.js';
import { importCompose, projectFromFolder } from '../src/spec/import.js';
import { InvalidInputError } from '../src/lib/errors.js';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: npx tsx scripts/compose-corpus.ts FOLDER   (a folder of Compose projects, read only)');
  process.exit(2);
}
const SITE = { dc1: { role: 'edge', runtime: 'docker', capacity: { cpus: 64, memory: '256g' }, budget: { cpu: 100, memory: 100 } } };

interface Problem { key: string; message: string }
interface Result { file: string; imageBased: boolean; written: Problem[]; imported: Problem[] }

function problemsOf(load: () => void): Problem[] {
  try {
    load();
    return [];
  } catch (err) {
    if (!(err instanceof InvalidInputError)) return [{ key: '(crash)', message: String(err) }];
    return err.issues.map((i) => ({ key: keyOf(i.path), message: `${i.message}${i.hint ? ` (${i.hint})` : ''}` }));
  }
}

function check(file: string): Result | undefined {
  const path = join(folder!, file);
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { merge: true, uniqueKeys: false });
  const raw = doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || typeof raw.services !== 'object' || raw.services === null) return undefined;
  const services = Object.values(raw.services as Record<string, Record<string, unknown> | null>);
  const imageBased = services.every((s) => s !== null && typeof s === 'object' && typeof s.image === 'string');
  if (raw.name === undefined) doc.set('project', projectFromFolder(dirname(path)));
  doc.set('sites', doc.createNode(SITE));
  const written = problemsOf(() => loadSpecFile(path, {}, doc.toString()));
  return { file, imageBased, written, imported: written.length === 0 ? [] : afterImport(path, text) };
}

/** The file through `turtle import`, in a scratch copy of its folder (import writes a config's content beside it). */
function afterImport(path: string, text: string): Problem[] {
  const scratch = mkdtempSync(join(tmpdir(), 'turtle-corpus-'));
  try {
    const dir = join(scratch, basename(dirname(path)));
    cpSync(dirname(path), dir, { recursive: true });
    const to = join(dir, 'turtle.yaml');
    let result;
    try {
      result = importCompose(text, { from: join(dir, basename(path)), to, capacity: { cpus: 64, memory: '256g', whose: 'the count\'s' } });
    } catch (err) {
      return [{ key: '(import)', message: String(err) }];
    }
    for (const f of result.files) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.content);
    }
    writeFileSync(to, result.text);
    return problemsOf(() => loadSpecFile(to, {}));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `services.web.volumes[0]` → `volumes`; `networks.back` → top-level `networks`. */
function keyOf(path: string): string {
  const parts = path.split(/[.[]/);
  if (parts[0] === 'services' && parts.length > 2) return parts[2]!;
  return parts[0] || '(file)';
}

/** Problems only its user can solve, which Compose has too: a required variable, an env_file to create. */
const needsUser = (ps: Problem[]) => ps.length > 0 && ps.every((p) => /^variable `[^`]+` is not set: /.test(p.message) || /^env_file .* does not exist/.test(p.message));

const COMPOSE_FILE = /^(docker-)?compose[\w.-]*\.ya?ml$/;
const results = (readdirSync(folder, { recursive: true }) as string[]).filter((f) => COMPOSE_FILE.test(basename(f))).sort().map(check).filter((r): r is Result => r !== undefined);
const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(0)}%`);
const report = (label: string, rs: Result[]) => {
  const asWritten = rs.filter((r) => r.written.length === 0).length;
  const imported = rs.filter((r) => r.imported.length === 0).length;
  const user = rs.filter((r) => needsUser(r.imported)).length;
  console.log(`${label.padEnd(20)} ${String(rs.length).padStart(4)}   as written ${String(asWritten).padStart(4)} (${pct(asWritten, rs.length).padStart(4)})   after import ${String(imported).padStart(4)} (${pct(imported, rs.length).padStart(4)}); ${user} more need their user's values (Compose refuses them too); of the rest, ${pct(imported, rs.length - user)}`);
};
report('files with services', results);
report('image-based files', results.filter((r) => r.imageBased));

for (const [title, pick] of [['as written', (r: Result) => r.written], ['after import', (r: Result) => r.imported]] as const) {
  const byKey = new Map<string, { files: Set<string>; example: string }>();
  for (const r of results)
    for (const p of pick(r)) {
      const entry = byKey.get(p.key) ?? { files: new Set(), example: p.message };
      entry.files.add(r.file);
      byKey.set(p.key, entry);
    }
  console.log(`\nrefusals ${title}, by key (files, one message):`);
  for (const [key, { files, example }] of [...byKey].sort((a, b) => b[1].files.size - a[1].files.size))
    console.log(`  ${String(files.size).padStart(4)}  ${key}: ${example.length > 160 ? `${example.slice(0, 157)}...` : example}`);
}
if (process.argv.includes('--files'))
  for (const r of results.filter((x) => x.imported.length > 0)) console.log(`\n${r.file}\n${r.imported.map((p) => `  ${p.key}: ${p.message}`).join('\n')}`);
