// turtle's store for secret values: one file per site beside turtle.yaml (turtle.secrets/<site>.yaml), each
// value encrypted with age to that site's key. Names stay readable, so the file can be committed and diffs.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readIfExists } from '../lib/files.js';
import { isMap } from '../spec/_fields.js';
import { dirname, join, relative, resolve } from 'node:path';
import { isMap as isYamlMap, parseDocument, stringify } from 'yaml';
import { TurtleError, ExitCode } from '../lib/errors.js';
import { sha256 } from '../domain/hash.js';
import { RECIPIENT } from './age.js';

export const SECRETS_FOLDER = 'turtle.secrets';
export const SECRET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ARMOR = /^-----BEGIN AGE ENCRYPTED FILE-----\r?\n[\s\S]+\r?\n-----END AGE ENCRYPTED FILE-----\s*$/;

/** One site's file: the key its values are sealed to, and each value's armored age file. */
export interface SiteSecrets {
  site: string;
  recipient: string;
  secrets: Record<string, string>;
}

/** A value as a deploy carries it: sealed to the site, and its digest (the ciphertext's), which versions it. */
export interface SealedSecret {
  digest: string;
  sealed: string;
}

export function siteSecretsPath(specFile: string, site: string): string {
  return join(dirname(resolve(specFile)), SECRETS_FOLDER, `${site}.yaml`);
}

/** The digest of a sealed value: new with every `turtle secret set` (age is randomised), the same for every operator. */
export function sealedDigest(sealed: string): string {
  return `sha256:${sha256(sealed.trim()).slice(0, 32)}`;
}

/** The site's file, or undefined when there is none; anything else wrong with it is an error naming the file and the key. */
export function readSiteSecrets(path: string, site: string): SiteSecrets | undefined {
  const text = readIfExists(path, (code) => bad(path, `cannot be read (${code})`, 'check its permissions'));
  if (text === undefined) return undefined;
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw bad(path, `${e.linePos ? `line ${e.linePos[0].line}: ` : ''}${e.message.split('\n')[0]}`, 'restore it from version control, or set its secrets again with turtle secret set');
  }
  const raw: unknown = doc.toJS();
  const where = (key: string) => `${key}${lineOf(doc, key.split('.'), text)}`;
  if (!isMap(raw)) throw bad(path, 'expected a map with site, recipient and secrets', 'restore it from version control');
  const extra = Object.keys(raw).find((k) => !['site', 'recipient', 'secrets'].includes(k));
  if (extra) throw bad(path, `${where(extra)}: unknown key \`${extra}\` (expected site, recipient, secrets)`, 'remove it');
  if (raw.site !== site) throw bad(path, `${where('site')}: says ${JSON.stringify(raw.site)}, but the file is ${site}'s`, `the file of site X is ${SECRETS_FOLDER}/X.yaml: rename it, or fix \`site:\``);
  if (typeof raw.recipient !== 'string' || !RECIPIENT.test(raw.recipient))
    throw bad(path, `${where('recipient')}: expected the site's age public key (age1…), found ${JSON.stringify(raw.recipient)}`, `turtle secret set writes it: restore the file from version control`);
  const secrets: Record<string, string> = {};
  if (raw.secrets !== undefined && raw.secrets !== null) {
    if (!isMap(raw.secrets)) throw bad(path, `${where('secrets')}: expected a map of names to armored age files`, 'restore it from version control');
    for (const [name, value] of Object.entries(raw.secrets)) {
      if (!SECRET_NAME.test(name)) throw bad(path, `${where(`secrets.${name}`)}: \`${name}\` is not a secret name (letters, digits, _, . and -)`, 'rename it in turtle.yaml and set it again');
      if (typeof value !== 'string' || !ARMOR.test(value))
        throw bad(path, `${where(`secrets.${name}`)}: expected an armored age file (-----BEGIN AGE ENCRYPTED FILE-----…)`, `set it again: turtle secret set ${name} --site ${site}`);
      secrets[name] = value;
    }
  }
  return { site, recipient: raw.recipient, secrets };
}

/** Writes the whole file at once (a reader sees the old one or the new one), names sorted so it diffs. */
export function writeSiteSecrets(path: string, file: SiteSecrets): void {
  mkdirSync(dirname(path), { recursive: true });
  const sorted = Object.fromEntries(Object.entries(file.secrets).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.trim() + '\n']));
  const body = stringify({ site: file.site, recipient: file.recipient, secrets: sorted }, { lineWidth: 0, blockQuote: 'literal' });
  const head = [
    `# turtle's secrets for site ${file.site}: each value is encrypted with age to ${file.site}'s key, so only ${file.site} can read it.`,
    `# Safe to commit. Change a value with: turtle secret set NAME --site ${file.site} (it reads the value from stdin).`,
  ].join('\n');
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${head}\n${body}`, { mode: 0o644 });
  renameSync(tmp, path);
}

function bad(path: string, message: string, hint: string): TurtleError {
  return new TurtleError(`${relative(process.cwd(), path) || path}: ${message}`, { exitCode: ExitCode.invalid, hint });
}

/** ` (line N)` of a key path, when the document has it. */
function lineOf(doc: ReturnType<typeof parseDocument>, path: string[], text: string): string {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of path) {
    if (!isYamlMap(node)) return '';
    const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
    if (!pair) return '';
    offset = (pair.key as { range?: [number, number, number] }).range?.[0];
    node = pair.value;
  }
  return offset === undefined ? '' : ` (line ${text.slice(0, offset).split('\n').length})`;
}
