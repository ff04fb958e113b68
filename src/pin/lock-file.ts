// turtle.lock beside turtle.yaml: per site, the image ID (and registry digest, where there is one) behind
// every image reference the spec uses. A tag can be moved to other content (`docker tag evil nginx:1.25`);
// an image ID cannot, so a deploy and the agent's healing refuse a tag that no longer means what was locked.
import { renameSync, writeFileSync } from 'node:fs';
import { readIfExists } from '../lib/files.js';
import { isMap } from '../spec/_fields.js';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { ExitCode, TurtleError } from '../lib/errors.js';
import { IMAGE_ID, IMAGE_REF } from '../domain/image.js';

export const LOCK_FILE = 'turtle.lock';

export interface Pin {
  /** the image ID (sha256:…) */
  id: string;
  /** the engine's `name@sha256:…` for it, where it has one (Docker: after a pull; Podman also for an image made there) */
  digest?: string;
}

/** site → image reference → pin */
export type Pins = Record<string, Record<string, Pin>>;

export function lockPath(specFile: string): string {
  return join(dirname(resolve(specFile)), LOCK_FILE);
}

/** The lock, or undefined when there is none; anything wrong with it is an error naming the file and the entry. */
export function readLock(path: string, sites: readonly string[]): Pins | undefined {
  const text = readIfExists(path, (code) => bad(path, `cannot be read (${code})`, 'check its permissions'));
  if (text === undefined) return undefined;
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw bad(path, doc.errors[0]!.message.split('\n')[0]!, 'restore it from version control, or write it again with turtle lock --update');
  const raw = doc.toJS() as unknown;
  if (!isMap(raw) || raw.version !== 1 || !isMap(raw.sites)) throw bad(path, 'expected `version: 1` and a map `sites:`', 'write it again with turtle lock --update');
  const pins: Pins = {};
  for (const [site, images] of Object.entries(raw.sites)) {
    if (!sites.includes(site)) throw bad(path, `sites.${site}: no site \`${site}\` in turtle.yaml`, 'write it again with turtle lock --update');
    if (!isMap(images)) throw bad(path, `sites.${site}: expected a map of image references to { id, digest }`, 'write it again with turtle lock --update');
    pins[site] = {};
    for (const [ref, pin] of Object.entries(images)) {
      const where = `sites.${site}.${ref}`;
      if (!IMAGE_REF.test(ref)) throw bad(path, `${where}: not an image reference`, 'write it again with turtle lock --update');
      if (!isMap(pin) || typeof pin.id !== 'string' || !IMAGE_ID.test(pin.id)) throw bad(path, `${where}: expected { id: sha256:<64 hex> }`, 'write it again with turtle lock --update');
      if (pin.digest !== undefined && (typeof pin.digest !== 'string' || !/@sha256:[0-9a-f]{64}$/.test(pin.digest))) throw bad(path, `${where}.digest: expected name@sha256:<64 hex>`, 'write it again with turtle lock --update');
      pins[site][ref] = { id: pin.id, ...(pin.digest ? { digest: pin.digest } : {}) };
    }
  }
  return pins;
}

/** Writes the whole file at once, sites and references sorted, so it diffs. */
export function writeLock(path: string, pins: Pins): void {
  const sorted = Object.fromEntries(Object.entries(pins).sort(([a], [b]) => a.localeCompare(b)).map(([site, refs]) => [site, Object.fromEntries(Object.entries(refs).sort(([a], [b]) => a.localeCompare(b)))]));
  const head = [
    "# turtle.lock: the image behind each image reference of turtle.yaml, on each site. Made by `turtle lock`; commit it.",
    '# A deploy refuses a site whose tag now points at other content: check why, then `turtle lock --update`.',
  ].join('\n');
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${head}\n${stringify({ version: 1, sites: sorted }, { lineWidth: 0 })}`, { mode: 0o644 });
  renameSync(tmp, path);
}

function bad(path: string, message: string, hint: string): TurtleError {
  const near = relative(process.cwd(), path);
  return new TurtleError(`${near && !near.startsWith('..') ? near : path}: ${message}`, { exitCode: ExitCode.invalid, hint });
}
