// 5,000 seeded mutations of a valid spec: parseSpec must return a Spec or throw an InvalidInputError whose
// every issue is located (file:line:col, or the file for whole-document problems) and says something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify } from 'yaml';
import { parseSpec } from '../../src/spec/index.js';
import { InvalidInputError } from '../../src/lib/errors.js';

// compact (flow style) so each run is cheap, yet it uses every section and most field forms
const BASE = readFileSync(fileURLToPath(new URL('../fixtures/spec/fuzz-base.yaml', import.meta.url)), 'utf8');
const BASE_TREE = parseYaml(BASE, { merge: true }) as unknown;
const RUNS = 5000;

/** mulberry32: small, seeded, good enough to spread mutations. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const SAMPLES: unknown[] = [null, true, 0, -1, 1.5, 70000, '', 'x', '${NOPE}', '8080:80', '1g', '10s', [], ['a'], {}, { a: 1 }, [[[]]]];

/** Every [container, key] pair in a loaded document, to mutate one. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value)) value.forEach((item, i) => (out.push([value, i]), slots(item, out)));
  else if (typeof value === 'object' && value !== null)
    for (const [k, item] of Object.entries(value)) (out.push([value as Record<string, unknown>, k]), slots(item, out));
  return out;
}

function mutateTree(r: Rand): string {
  const doc = structuredClone(BASE_TREE);
  const rounds = 1 + Math.floor(r() * 3);
  for (let i = 0; i < rounds; i++) {
    const all = slots(doc);
    const [container, key] = pick(r, all);
    const box = container as Record<string | number, unknown>;
    switch (pick(r, ['delete', 'swap', 'duplicate', 'nest', 'rename'] as const)) {
      case 'delete':
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete box[key];
        break;
      case 'swap':
        box[key] = structuredClone(pick(r, SAMPLES));
        break;
      case 'duplicate':
        if (Array.isArray(container)) container.push(structuredClone(container[key as number]));
        else box[`${key}`.slice(0, -1) || 'k'] = structuredClone(box[key]);
        break;
      case 'nest': {
        let v: unknown = box[key];
        for (let d = Math.floor(r() * 40); d > 0; d--) v = r() < 0.5 ? [v] : { [key]: v };
        box[key] = v;
        break;
      }
      case 'rename':
        if (!Array.isArray(container)) {
          box[`${key}`.replace(/[aeiou]/, '')] = box[key];
          delete box[key];
        }
        break;
    }
  }
  // JSON is YAML too, and much cheaper to write than yaml.stringify; indented so positions vary by line
  const form = r();
  return form < 0.2 ? stringify(doc) : form < 0.6 ? JSON.stringify(doc) : JSON.stringify(doc, null, 1);
}

function mutateText(r: Rand): string {
  const lines = BASE.split('\n');
  switch (pick(r, ['deleteLine', 'duplicateLine', 'garbage', 'truncate', 'swapLines', 'indent', 'deepFlow'] as const)) {
    case 'deleteLine':
      lines.splice(Math.floor(r() * lines.length), 1);
      return lines.join('\n');
    case 'duplicateLine': {
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
    case 'garbage': {
      const at = Math.floor(r() * BASE.length);
      const junk = Array.from({ length: 1 + Math.floor(r() * 8) }, () => String.fromCharCode(Math.floor(r() * 0xffff))).join('');
      return BASE.slice(0, at) + junk + BASE.slice(at);
    }
    case 'truncate':
      return BASE.slice(0, Math.floor(r() * BASE.length));
    case 'swapLines': {
      const [i, j] = [Math.floor(r() * lines.length), Math.floor(r() * lines.length)];
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }
    case 'indent': {
      const i = Math.floor(r() * lines.length);
      lines[i] = (r() < 0.5 ? ' ' : '') + lines[i]!.slice(r() < 0.5 ? 1 : 0);
      return lines.join('\n');
    }
    case 'deepFlow': {
      // mostly moderate depth; now and then far past what the YAML library can recurse through
      const n = r() < 0.02 ? 3000 : Math.floor(r() * 60);
      const i = Math.floor(r() * lines.length);
      lines[i] = `${lines[i]!.replace(/:.*$/, ':')} ${'['.repeat(n)}${']'.repeat(n)}`;
      return lines.join('\n');
    }
  }
}

test(`fuzz: ${RUNS} seeded mutations give a Spec or located issues, never a crash`, () => {
  const r = rng(20240611);
  let valid = 0;
  let invalid = 0;
  for (let run = 0; run < RUNS; run++) {
    const text = r() < 0.5 ? mutateTree(r) : mutateText(r);
    try {
      const spec = parseSpec(text, 'fuzz.yaml', { SECRET: 'x' });
      assert.equal(spec.version, 1);
      valid++;
    } catch (err) {
      if (!(err instanceof InvalidInputError)) assert.fail(`run ${run}: ${String(err)}\n--- input:\n${text}`);
      assert.ok(err.issues.length > 0, `run ${run}: no issues`);
      for (const issue of err.issues) {
        assert.match(issue.where, /^fuzz\.yaml(:\d+:\d+)?$/, `run ${run}: ${JSON.stringify(issue)}`);
        assert.ok(issue.message.trim().length > 0, `run ${run}: empty message`);
      }
      invalid++;
    }
  }
  // both outcomes must actually occur, or the mutations are not exercising anything
  assert.ok(valid > 100 && invalid > 1000, `valid ${valid}, invalid ${invalid}`);
});
