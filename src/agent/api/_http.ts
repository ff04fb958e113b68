// Small HTTP helpers: JSON answers, errors as JSON, and a body reader with a hard size cap.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY = 1024 * 1024;

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly issues?: string[]) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The request's JSON body; 413 past 1 MiB (the rest is not read), 415 unless JSON, 400 when it does not parse. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, 'expected content-type: application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
  const body = await readUpTo(req, MAX_BODY, { keep: true });
  if (body.failed) throw body.failed;
  if (body.over) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
  const { chunks } = body;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** How far `readUpTo` got: the chunks kept, and whether the body ended, passed the cap, or failed. */
export interface BodyRead {
  chunks: Buffer[];
  ended: boolean;
  over: boolean;
  failed?: Error;
}

/**
 * Reads the body until it ends, passes `maxBytes`, fails, or `maxMs` pass, keeping the chunks when `keep`.
 * The stream is left paused, never destroyed (as leaving a `for await` would), so that the server can still
 * read the rest away and answer.
 */
export function readUpTo(req: IncomingMessage, maxBytes: number, { keep, maxMs }: { keep: boolean; maxMs?: number }): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (how: Omit<BodyRead, 'chunks'>) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      req.pause();
      resolve({ chunks, ...how });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ ended: false, over: true });
      else if (keep) chunks.push(chunk);
    };
    const onEnd = () => finish({ ended: true, over: false });
    const onError = (failed: Error) => finish({ ended: false, over: false, failed });
    const onClose = () => onError(new HttpError(400, 'the client went away before sending its whole body'));
    const timer = maxMs === undefined ? undefined : setTimeout(() => finish({ ended: false, over: false }), maxMs);
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
    req.resume();
  });
}

/** Query parameters, refusing any not in `allowed` and any given twice. */
export function query(url: URL, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (!allowed.includes(k)) throw new HttpError(400, `unknown query parameter \`${k.slice(0, 64)}\``, allowed.length ? [`allowed: ${allowed.join(', ')}`] : []);
    if (k in out) throw new HttpError(400, `query parameter \`${k}\` given twice`);
    out[k] = v;
  }
  return out;
}

export function intParam(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, `\`${name}\` must be a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new HttpError(400, `\`${name}\` must be between ${min} and ${max}`);
  return n;
}
