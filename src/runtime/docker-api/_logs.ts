// A container's log lines as an async iterable; following ends when the signal aborts or the loop breaks,
// and either way the HTTP stream is destroyed so no socket outlives the iterator.
import type { LogLine, LogOptions } from '../types.js';
import { requestStream } from './_connection.js';
import { attempt, type EngineContext } from './_context.js';
import { engineError } from './_errors.js';
import { LogDecoder } from './_log-decoder.js';

export async function* readLogs(ctx: EngineContext, id: string, tty: boolean, options: LogOptions): AsyncGenerator<LogLine> {
  const { signal } = options;
  if (signal?.aborted) return;
  const query = { follow: options.follow ?? false, stdout: true, stderr: true, timestamps: true, tail: options.tail ?? 'all' };
  const stream = await attempt(ctx, `read logs of container ${id}`, () =>
    requestStream(ctx.docker, {
      path: `/containers/${encodeURIComponent(id)}/logs?`,
      method: 'GET',
      options: query,
      statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      ...(signal ? { abortSignal: signal } : {}),
    }),
  );
  const close = () => stream.destroy();
  signal?.addEventListener('abort', close, { once: true });
  const decoder = new LogDecoder(tty);
  try {
    for await (const chunk of stream) {
      // One chunk can hold many lines; none is delivered once the caller has aborted.
      for (const line of decoder.push(chunk as Buffer)) {
        if (signal?.aborted) return;
        yield line;
      }
    }
    if (!signal?.aborted) yield* decoder.flush();
  } catch (err) {
    if (!signal?.aborted) throw engineError(ctx.kind, ctx.endpoint, `read logs of container ${id}`, err);
  } finally {
    signal?.removeEventListener('abort', close);
    stream.destroy();
  }
}
