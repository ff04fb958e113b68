// Reading turtle.yaml: YAML with positions, ${VAR} interpolation, then the schema and the rules.
import { attachSealed } from '../secrets/attach.js';
import { attachPins } from '../pin/attach.js';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnvFile } from './_env-file.js';
import { LineCounter, isNode, isScalar, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { ExitCode, InvalidInputError, TurtleError, errorMessage, type Issue } from '../lib/errors.js';
import type { Spec } from './types.js';
import { interpolate, type Env } from './_interpolate.js';
import { passThroughEnvironment } from './_env-passthrough.js';
import { Locator } from './_positions.js';
import { toIssues, type Problem } from './_problems.js';
import { build } from './_build.js';
import { isMap } from './_fields.js';
import type { PathKey } from './_words.js';

function invalid(file: string, issues: Issue[]): InvalidInputError {
  const n = issues.length;
  return new InvalidInputError(`${file}: ${n} problem${n === 1 ? '' : 's'} in the spec`, issues);
}

function withoutExtensions(value: unknown): unknown {
  if (!isMap(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    if (!key.startsWith('x-')) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  return out;
}

function mapValues(value: unknown, f: (v: unknown) => unknown): unknown {
  if (!isMap(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    Object.defineProperty(out, key, { value: f(item), enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Keys starting with `x-` (Compose extension fields, handy for YAML anchors) are ignored at the top
 * level and in a service, also in overlays: drop them before anything else looks.
 */
function dropExtensions(loaded: unknown): unknown {
  const top = withoutExtensions(loaded);
  if (!isMap(top)) return top;
  const services = mapValues(top.services, withoutExtensions);
  const overlays = mapValues(top.overlays, (o) => (isMap(o) && 'services' in o ? { ...o, services: mapValues(o.services, withoutExtensions) } : o));
  return { ...top, ...('services' in top ? { services } : {}), ...('overlays' in top ? { overlays } : {}) };
}

function yamlIssue(e: YAMLError, text: string, lines: LineCounter, file: string): Issue {
  const pos = lines.linePos(e.pos[0]);
  const where = `${file}:${pos.line}:${pos.col}`;
  if (e.code === 'DUPLICATE_KEY') {
    const key = /^[^:\n]*/.exec(text.slice(e.pos[0]))![0].trim();
    return { where, path: '', message: `duplicate key \`${key}\``, hint: 'a key may appear once in a map: remove or merge the repeats' };
  }
  const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { where, path: '', message: `YAML: ${message}` };
}

/** No real spec comes near this; refusing deeper documents keeps every later step's recursion bounded. */
const MAX_DEPTH = 32;

/** The path of the first value nested deeper than MAX_DEPTH, found without recursion. */
function tooDeep(root: unknown): PathKey[] | undefined {
  const stack: [unknown, PathKey[]][] = [[root, []]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (path.length > MAX_DEPTH) return path;
    if (typeof value === 'object' && value !== null)
      for (const [key, item] of Object.entries(value)) stack.push([item, [...path, Array.isArray(value) ? Number(key) : key]]);
  }
  return undefined;
}

/** Parse and validate a spec; throws InvalidInputError carrying every issue found, sorted by position. */
export function parseSpec(text: string, file: string, env: Env = process.env): Spec {
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, merge: true, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    // the YAML library recurses; absurd nesting can exhaust the stack
    throw invalid(file, [{ where: file, path: '', message: `YAML: cannot parse: ${errorMessage(err)}` }]);
  }
  if (doc.errors.length > 0) {
    throw invalid(file, doc.errors.map((e) => yamlIssue(e, text, lines, file)));
  }
  const unknownTag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED' && !/^Unresolved tag: !(reset|override)\b/.test(w.message));
  if (unknownTag) throw invalid(file, [{ ...yamlIssue(unknownTag, text, lines, file), hint: 'turtle knows YAML\'s own tags and Compose\'s !reset and !override' }]);
  composeTags(doc);
  const locator = new Locator(doc, lines, file);
  const problems: Problem[] = [];
  let loaded: unknown;
  try {
    loaded = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // aliases expanding without bound ("billion laughs") and the like
    throw invalid(file, [{ where: file, path: '', message: `YAML: ${errorMessage(err)}` }]);
  }
  const deep = tooDeep(loaded);
  if (deep) throw invalid(file, toIssues([{ path: deep, message: `nested more than ${MAX_DEPTH} levels deep` }], locator));
  const raw = interpolate(dropExtensions(withoutReset(loaded)), env, problems);
  passThroughEnvironment(raw, env, problems);
  const spec = build(raw, file, problems, env);
  const errors = problems.filter((p) => !p.note).map((p) => withUnsetCause(p, problems));
  if (errors.length > 0 || spec === undefined) throw invalid(file, toIssues(errors, locator));
  if (errors.length < problems.length) spec.notes = toIssues(problems.filter((p) => p.note), locator);
  return spec;
}

/** An error where an unset variable left a value blank says so: the blank is the likely cause. */
function withUnsetCause(error: Problem, problems: Problem[]): Problem {
  const related = (a: PathKey[], b: PathKey[]) => a.length <= b.length && a.every((k, i) => k === b[i]);
  const cause = problems.find((p) => p.note && /^variable `[^`]+` is not set, so it is blank/.test(p.message) && (related(p.path, error.path) || related(error.path, p.path)));
  if (!cause) return error;
  const name = /`([^`]+)`/.exec(cause.message)![1];
  return { ...error, message: `${error.message} (variable \`${name}\` is not set, so it was blank)`, hint: error.hint ?? cause.hint };
}

/**
 * Compose's merge tags, in one file: `!override` is the value as written (an explicit key already replaces
 * what `<<` merged in); `!reset` with no value removes the key, `!reset []` or `!reset {}` empties it.
 */
function composeTags(doc: Document.Parsed): void {
  visit(doc, {
    Pair(_key, pair) {
      // marked, not removed: removing the key would let the value `<<` merged in show through
      const v = pair.value;
      if (isNode(v) && v.tag === '!reset' && isScalar(v) && (v.value === null || v.value === '')) v.value = RESET;
    },
  });
}

/** A value no YAML text can hold (a NUL), standing for a `!reset` key until it is taken out. */
const RESET = '\u0000turtle-reset';

function withoutReset(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutReset);
  if (!isMap(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== RESET).map(([k, v]) => [k, withoutReset(v)]));
}

/** Read and parse a spec file, with the .env beside it; `given` is the file's text when the caller already has it. */
export function loadSpecFile(path: string, env?: Env, given?: string): Spec {
  let text: string;
  try {
    text = given ?? readFileSync(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TurtleError(missing ? `${path}: no such file` : `${path}: cannot read: ${errorMessage(err)}`, {
      exitCode: ExitCode.invalid,
      hint: missing ? 'run turtle in the folder with turtle.yaml, or pass --file <path>' : 'check the file permissions',
      cause: err,
    });
  }
  const base = env ?? process.env;
  const dotenv = readDotEnv(path, base);
  if (!dotenv.vars) {
    // read again when a .env appears
    const spec = parseSpec(text, path, env);
    spec.reads = [dotenv.file, ...(spec.reads ?? [])];
    return attachPins(attachSealed(spec));
  }
  const vars = dotenv.vars;
  // the environment wins over .env, as in Compose; read name by name, so the spec cache still sees only the names used
  const layered = new Proxy({} as Env, { get: (_t, name) => (typeof name === 'string' ? base[name] ?? vars[name] : undefined) });
  const spec = parseSpec(text, path, layered);
  spec.reads = [dotenv.file, ...(spec.reads ?? [])];
  return attachPins(attachSealed(spec));
}

/** The `.env` beside the spec (Compose's interpolation defaults); no `vars` when there is none. */
function readDotEnv(specPath: string, env: Env): { file: string; vars?: Record<string, string> } {
  const file = join(dirname(resolve(specPath)), '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { file };
  }
  const vars = parseEnvFile(text, false, env);
  // env values are strings: a numeric `line` is the parser's error
  if ('line' in vars && typeof vars.line === 'number')
    throw new TurtleError(`${file}:${String(vars.line)}: ${vars.error}`, { exitCode: ExitCode.invalid, hint: 'write KEY=VALUE, one a line; # starts a comment (turtle reads .env beside turtle.yaml for ${VAR}, as Compose does)' });
  return { file, vars: vars as Record<string, string> };
}
