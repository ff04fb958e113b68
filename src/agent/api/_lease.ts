// What POST /v1/lease and its renewal accept: the holder (shown to whoever waits) and the TTL.
import { z } from 'zod';
import type { Holder } from '../../converge/lock.js';
import { HttpError } from './_http.js';

const text = z.string().min(1).max(256).regex(/^[^\x00-\x1f\x7f]*$/, 'control characters are not allowed');
const leaseRequest = z.strictObject({
  holder: z.strictObject({
    who: text, host: text.or(z.literal('')), pid: z.number().int().min(0).max(2 ** 31), command: text,
    deployment: z.number().int().min(1).optional(), since: text,
  }).optional(),
  ttlMs: z.number().int().min(1_000).max(600_000),
});

export function parseLeaseRequest(body: unknown): { holder: Holder; ttlMs: number } {
  const parsed = leaseRequest.safeParse(body);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid lease request', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`));
  }
  const holder = parsed.data.holder ?? { who: 'unknown', host: '', pid: 0, command: 'deploy', since: new Date().toISOString() };
  return { holder: holder as Holder, ttlMs: parsed.data.ttlMs };
}
