// The project's hash key (turtle.secrets/hash.key): the versions turtle publishes (the spec hash in events
// and on the observer, each container's config hash in its labels) are HMACs under it, so someone who sees
// a version cannot test a guess at a value in `environment` offline. It is kept beside the sealed secrets
// and committed with them: every operator of the project must hash alike, or a second checkout would see
// every container as changed. Made by the first `turtle secret set`, or by `turtle secret init`.
import { randomBytes } from 'node:crypto';
import { createOnce, readIfExists } from '../lib/files.js';
import { dirname, join, relative, resolve } from 'node:path';
import { ExitCode, TurtleError } from '../lib/errors.js';
import { SECRETS_FOLDER } from './site-file.js';

const KEY = /^[0-9a-f]{64}$/;

export function hashKeyPath(specFile: string): string {
  return join(dirname(resolve(specFile)), SECRETS_FOLDER, 'hash.key');
}

/** The key, or undefined when the project has none yet; a file that is not one is an error, never replaced. */
export function readHashKey(specFile: string): string | undefined {
  const path = hashKeyPath(specFile);
  const text = readIfExists(path, (code) => new TurtleError(`${shown(path)} cannot be read (${code})`, { exitCode: ExitCode.invalid, hint: 'check its permissions' }));
  if (text === undefined) return undefined;
  const key = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (key === undefined || !KEY.test(key))
    throw new TurtleError(`${shown(path)}: expected the project's hash key (64 hex digits), found ${key === undefined ? 'nothing' : `${key.length} characters`}`, {
      exitCode: ExitCode.invalid,
      hint: 'restore it from version control (a new key makes every container look changed, so the next deploy replaces them all)',
    });
  return key;
}

/** Makes the key when there is none; returns it, and whether it is new. */
export function ensureHashKey(specFile: string): { key: string; created: boolean } {
  const existing = readHashKey(specFile);
  if (existing) return { key: existing, created: false };
  const path = hashKeyPath(specFile);
  const key = randomBytes(32).toString('hex');
  // never over a key another process made meanwhile
  if (!createOnce(path, `# turtle: this project's hash key. Commit it: every operator of the project needs the same one.\n${key}\n`, 0o644)) return { key: readHashKey(specFile)!, created: false };
  return { key, created: true };
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}
