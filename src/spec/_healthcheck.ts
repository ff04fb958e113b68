// `healthcheck`: Compose's fields, with turtle's own (faster) defaults filled in.
import type { Healthcheck } from '../domain/types.js';
import { describeValue } from './_words.js';
import { bool, doc, duration, fail, num, obj } from './_fields.js';
import { z } from 'zod';

/** Docker waits 30 s × 3 (90 s) before "unhealthy"; turtle notices in about 30 s. */
export const HEALTHCHECK_DEFAULTS = { intervalMs: 10_000, timeoutMs: 5_000, retries: 3, startPeriodMs: 0 } as const;

const test = z.unknown().transform((value, ctx): string[] => {
  if (typeof value === 'string') {
    if (value.trim() === '') return fail(ctx, 'must not be empty');
    return ['CMD-SHELL', value];
  }
  if (!Array.isArray(value) || value.some((w) => typeof w !== 'string'))
    return fail(ctx, `expected a string or a list of strings, found ${describeValue(value)}`);
  const [kind, ...rest] = value as string[];
  if (kind === 'NONE' && rest.length === 0) return ['NONE'];
  if ((kind === 'CMD' || kind === 'CMD-SHELL') && rest.length > 0) return [kind, ...rest];
  return fail(ctx, `a test list starts with CMD or CMD-SHELL followed by the command, or is ["NONE"]; found ${describeValue(kind)} first`, {
    hint: 'e.g. ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], or a plain string run by the shell',
  });
});

export const healthcheckShape = {
  test: doc(test.optional(), {
    description: 'The check. A string runs in the container\'s shell (CMD-SHELL); a list starts with CMD or CMD-SHELL.',
    type: 'string | list of strings',
    example: '["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"]',
  }),
  interval: doc(duration({ positive: true }).optional(), {
    description: 'Time between checks.', type: 'duration', default: '10s', example: '30s',
  }),
  timeout: doc(duration({ positive: true }).optional(), {
    description: 'How long one check may take before it counts as failed.', type: 'duration', default: '5s', example: '2s',
  }),
  retries: doc(num({ int: true, min: 1 }).optional(), {
    description: 'Consecutive failures before the container is unhealthy.', type: 'integer >= 1', default: '3', example: '5',
  }),
  start_period: doc(duration().optional(), {
    description: 'Grace time after start during which failures do not count.', type: 'duration', default: '0s', example: '30s',
  }),
  disable: doc(bool().optional(), {
    description: 'Turn off the image\'s own HEALTHCHECK (normalised to test ["NONE"]).', type: 'boolean', default: 'false', example: 'true',
  }),
};

export const healthcheck = obj(healthcheckShape)
  .superRefine((h, ctx) => {
    if (h.disable && h.test !== undefined) fail(ctx, '`disable: true` cannot be combined with `test`', { path: ['disable'], hint: 'remove one of them' });
    if (!h.disable && h.test === undefined) fail(ctx, 'missing required key `test`', { hint: 'or write `disable: true` to turn the image\'s check off' });
  })
  .transform((h): Healthcheck => ({
    test: h.disable ? ['NONE'] : (h.test ?? ['NONE']),
    intervalMs: h.interval ?? HEALTHCHECK_DEFAULTS.intervalMs,
    timeoutMs: h.timeout ?? HEALTHCHECK_DEFAULTS.timeoutMs,
    retries: h.retries ?? HEALTHCHECK_DEFAULTS.retries,
    startPeriodMs: h.start_period ?? HEALTHCHECK_DEFAULTS.startPeriodMs,
  }));
