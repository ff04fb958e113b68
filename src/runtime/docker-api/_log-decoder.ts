// Decodes the engine's log stream into lines (pure). Without a TTY the engine multiplexes stdout and
// stderr in frames with an 8-byte header: [stream, 0, 0, 0, size (uint32 BE)]; with a TTY it is raw stdout.
import type { LogLine } from '../types.js';

const HEADER = 8;

export class LogDecoder {
  private pending: Buffer = Buffer.alloc(0);
  // A long line can span frames; keep the unfinished tail per stream.
  private partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  constructor(private readonly tty: boolean) {}

  push(chunk: Buffer): LogLine[] {
    if (this.tty) return this.text('stdout', chunk.toString('utf8'));
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: LogLine[] = [];
    while (this.pending.length >= HEADER) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) break;
      const stream = this.pending[0] === 2 ? 'stderr' : 'stdout';
      out.push(...this.text(stream, this.pending.subarray(HEADER, HEADER + size).toString('utf8')));
      this.pending = this.pending.subarray(HEADER + size);
    }
    return out;
  }

  /** Lines left without a final newline when the stream ends. */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) out.push(parseLine(stream, this.partial[stream]));
      this.partial[stream] = '';
    }
    return out;
  }

  private text(stream: LogLine['stream'], text: string): LogLine[] {
    const parts = (this.partial[stream] + text).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    return parts.map((line) => parseLine(stream, line.replace(/\r$/, '')));
  }
}

/** With `timestamps=true` each line starts with an RFC 3339 time and one space. */
export function parseLine(stream: LogLine['stream'], line: string): LogLine {
  const space = line.indexOf(' ');
  const head = space === -1 ? line : line.slice(0, space);
  if (/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(head)) {
    return { time: head, stream, text: space === -1 ? '' : line.slice(space + 1) };
  }
  return { time: '', stream, text: line };
}
