// The engine's container event stream (`GET /events`), narrowed to one project's containers, as an async
// iterable of small records. It ends when the engine goes away; the caller reconnects and resyncs.
import type { EngineEvent } from '../types.js';
import { Label } from '../../domain/types.js';
import { requestStream } from './_connection.js';
import { attempt, type EngineContext } from './_context.js';
import { projectFilter } from './_labels.js';

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export async function* readEvents(ctx: EngineContext, project: string, signal?: AbortSignal): AsyncGenerator<EngineEvent> {
  if (signal?.aborted) return;
  const filters = JSON.stringify({ type: ['container'], ...projectFilter(project) });
  const stream = await attempt(ctx, 'follow engine events', () =>
    requestStream(ctx.docker, {
      path: '/events?',
      method: 'GET',
      options: { filters },
      statusCodes: { 200: true, 500: 'server error' },
      ...(signal ? { abortSignal: signal } : {}),
    }),
  );
  const close = () => stream.destroy();
  signal?.addEventListener('abort', close, { once: true });
  let buffered = '';
  try {
    for await (const chunk of stream) {
      const lines = (buffered + (chunk as Buffer).toString()).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseEvent(line);
        if (event) yield event;
      }
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener('abort', close);
    stream.destroy();
  }
}

/** One line of the stream; undefined for blank or foreign lines. Exported for unit tests. */
export function parseEvent(line: string): EngineEvent | undefined {
  if (!line.trim()) return undefined;
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  const id = raw.Actor?.ID ?? raw.id;
  const action = raw.Action ?? raw.status;
  if (!id || !action || (raw.Type !== undefined && raw.Type !== 'container')) return undefined;
  const attrs = raw.Actor?.Attributes ?? {};
  const ms = raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000;
  return {
    id,
    // `health_status: unhealthy` (Docker) and `health_status` + attribute (Podman) read the same
    action: action.startsWith('health_status') ? `health_status${attrs.health_status ? `: ${attrs.health_status}` : action.slice('health_status'.length)}` : action,
    ...(attrs[Label.service] ? { service: attrs[Label.service] } : {}),
    time: new Date(ms || Date.now()).toISOString(),
    ...(attrs.exitCode !== undefined && /^-?\d+$/.test(attrs.exitCode) ? { exitCode: Number(attrs.exitCode) } : {}),
  };
}
