// What the top-level `networks:` and `volumes:` share: a map of named entries, each parsed on its own,
// and Compose's `external` flag.
import { z } from 'zod';
import { fail, isMap } from './_fields.js';
import { describeValue } from './_words.js';

/** `external: true`, or Compose's older `external: { name: X }`. */
export const externalFlag = (what: string) =>
  z.unknown().transform((v, ctx): { external: boolean; name?: string } => {
    if (typeof v === 'boolean') return { external: v };
    if (v === 'true' || v === 'false') return { external: v === 'true' };
    if (isMap(v) && typeof v.name === 'string' && Object.keys(v).length === 1) return { external: true, name: v.name };
    return fail(ctx, `expected true or false (or { name: ${what} }), found ${describeValue(v)}`);
  });

/** A map of `what` name → entry; a bad name or entry is reported under its key, and the others still parse. */
export function namedSection<T>(what: string, pattern: RegExp, fields: string, entry: z.ZodType<T>) {
  return z.unknown().transform((value, ctx): Record<string, T> => {
    if (!isMap(value)) return fail(ctx, `expected a map of ${what} name → { ${fields} }, found ${describeValue(value)}`);
    const out: Record<string, T> = {};
    for (const [key, raw] of Object.entries(value)) {
      if (!pattern.test(key)) {
        fail(ctx, `${what} name \`${key}\` is not valid: letters, digits, _, . and -, starting with a letter or digit`, { path: [key], at: 'key' });
        continue;
      }
      const parsed = entry.safeParse(raw);
      if (parsed.success) out[key] = parsed.data;
      else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path], input: undefined } as z.core.$ZodRawIssue);
    }
    return out;
  });
}

/**
 * The section's entries; when it has problems (already reported), each key with `fallback(entry)`, so the
 * services' references to those keys still resolve instead of each being reported as undeclared.
 */
export function readableSection<T>(section: z.ZodType<Record<string, T>>, raw: unknown, fallback: (entry: unknown) => T): Record<string, T> {
  const parsed = section.safeParse(raw);
  if (parsed.success) return parsed.data;
  return isMap(raw) ? Object.fromEntries(Object.entries(raw).map(([key, entry]) => [key, fallback(entry)])) : {};
}
