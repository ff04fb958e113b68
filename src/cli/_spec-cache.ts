// The last spec that loaded, kept beside the state store: a command on an unchanged turtle.yaml skips the
// YAML parse and the validation (about a third of a no-op deploy's start-up). Keyed by the file's path and
// text, the environment variables it read (interpolation), and the build of turtle reading it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Spec } from '../spec/index.js';

type Env = Record<string, string | undefined>;

interface Entry {
  key: string;
  /** every variable the spec read, and its value then (null: unset) */
  env: Record<string, string | null>;
  spec: Spec;
  /** the other files it read (env_file), by path: sha256 of their text then (null: unreadable) */
  files?: Record<string, string | null>;
}

/**
 * `load(env)` reads, parses and validates `file`; its result is reused while the file's text, the
 * variables it read and turtle's build are the same. `storeDir` is the state store's folder: nothing is
 * written where it does not exist yet. A dev run from the sources (no bundle to name the build) always loads.
 */
export function cachedSpec(file: string, storeDir: string, load: (env: Env) => Spec): Spec {
  const build = buildId();
  let text: string;
  try {
    if (build === undefined || !existsSync(storeDir)) return load(process.env);
    text = readFileSync(file, 'utf8');
  } catch {
    return load(process.env); // it says what is wrong with the file
  }
  const key = createHash('sha256').update(`${build}\0${file}\0${text}`).digest('hex');
  const path = join(storeDir, 'spec-cache.json');
  const hit = read(path);
  if (hit?.key === key && Object.entries(hit.env).every(([name, value]) => (process.env[name] ?? null) === value) && sameFiles(hit.files)) return hit.spec;
  const seen: Record<string, string | null> = {};
  const env = new Proxy(process.env, {
    get: (target, name) => {
      const value = typeof name === 'string' ? target[name] : undefined;
      if (typeof name === 'string') seen[name] = value ?? null;
      return value;
    },
  });
  const spec = load(env);
  write(path, { key, env: seen, spec, files: Object.fromEntries((spec.reads ?? []).map((f) => [f, digest(f)])) });
  return spec;
}

function digest(file: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

const sameFiles = (files: Entry['files']) => Object.entries(files ?? {}).every(([f, hash]) => digest(f) === hash);

function read(path: string): Entry | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Entry;
  } catch {
    return undefined; // none yet, or unreadable: parse
  }
}

function write(path: string, entry: Entry): void {
  try {
    // whole or not at all: a command reading it meanwhile sees the old entry or the new one
    const tmp = `${path}.${process.pid}.tmp`;
    // it holds the values the spec read from the environment: its owner's only
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // a read-only store folder only costs the next command a parse
  }
}

/** The running bundle (dist/turtle.mjs), by size and time: a rebuild is another build. */
function buildId(): string | undefined {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith('.mjs')) return undefined;
  const { size, mtimeMs } = statSync(self);
  return `${dirname(self)}:${size}:${mtimeMs}`;
}
