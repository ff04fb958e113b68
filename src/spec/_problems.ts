// Turns zod issues and rule findings into located Issues: one shape for every problem in the file.
import type { z } from 'zod';
import type { Issue } from '../lib/errors.js';
import type { Locator } from './_positions.js';
import { describeValue, formatPath, type PathKey } from './_words.js';

/** A problem before it is located: `path` is into the loaded document. */
export interface Problem {
  path: PathKey[];
  message: string;
  hint?: string;
  at?: 'key';
  /** allowed, but worth knowing: reported by validate, does not make the spec invalid */
  note?: true;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a map',
};

export function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let node = root;
  for (const step of path) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, step)) return undefined;
    node = (node as Record<PathKey, unknown>)[step];
  }
  return node;
}

/** zod issues from parsing `input` (found at `base` in the document) → problems with document paths. */
export function fromZod(issues: readonly z.core.$ZodIssue[], input: unknown, base: PathKey[]): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
    const value = valueAt(input, path);
    const params = (issue as { params?: { hint?: string; at?: 'key' } }).params ?? {};
    const last = path[path.length - 1];
    if (value === undefined && typeof last === 'string' && params.at !== 'key') {
      // a field saw nothing where something is required: report the missing key at its parent
      out.push({ path: [...base, ...path.slice(0, -1)], message: `missing required key \`${last}\`` });
    } else if (issue.code === 'invalid_type') {
      out.push({ path: [...base, ...path], message: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, found ${describeValue(value)}` });
    } else if (issue.code === 'invalid_union') {
      // pick the branch that matched the type and failed inside it, if any
      const inner = issue.errors.find((branch) => branch.some((i) => i.path.length > 0 || i.code !== 'invalid_type'));
      if (inner) out.push(...fromZod(inner.map((i) => ({ ...i, path: [...issue.path, ...i.path] })), input, base));
      else out.push({ path: [...base, ...path], message: `expected ${issue.errors.map((b) => TYPE_NAMES[(b[0] as { expected?: string })?.expected ?? ''] ?? '?').join(' or ')}, found ${describeValue(value)}` });
    } else {
      const problem: Problem = { path: [...base, ...path], message: issue.message };
      if (params.hint) problem.hint = params.hint;
      if (params.at) problem.at = params.at;
      out.push(problem);
    }
  }
  return out;
}

/** Locate, de-duplicate and sort by position (whole-document problems first). */
export function toIssues(problems: readonly Problem[], locator: Locator): Issue[] {
  const seen = new Set<string>();
  const located: { issue: Issue; line: number; col: number }[] = [];
  for (const p of problems) {
    const pos = locator.locate(p.path, p.at);
    const issue: Issue = { where: pos.where, path: formatPath(p.path), message: p.message };
    if (p.hint) issue.hint = p.hint;
    const id = `${issue.where}|${issue.path}|${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    located.push({ issue, line: pos.line, col: pos.col });
  }
  located.sort((a, b) => a.line - b.line || a.col - b.col);
  return located.map((l) => l.issue);
}

/**
 * For checks run again on overlays' services (each the base service with the overlay's values): keeps
 * the problems whose message the base did not already report.
 */
export function unreported(problems: readonly Problem[]): (found: readonly Problem[]) => Problem[] {
  const seen = new Set(problems.map((p) => p.message));
  return (found) => found.filter((p) => !seen.has(p.message));
}
