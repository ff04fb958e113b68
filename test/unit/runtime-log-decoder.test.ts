// The engine's multiplexed log frames decode into timestamped lines, however the bytes are chunked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogDecoder, parseLine } from '../../src/runtime/docker-api/_log-decoder.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const T1 = '2026-01-02T03:04:05.123456789Z';
const T2 = '2026-01-02T03:04:06.5Z';

test('frames split anywhere, even inside the header, give the same lines', () => {
  const bytes = Buffer.concat([frame(1, `${T1} hello\n`), frame(2, `${T2} oops: a b\n`), frame(1, `${T2} part`), frame(1, `ial\n`)]);
  for (const cut of [1, 3, 8, 13, bytes.length - 1]) {
    const d = new LogDecoder(false);
    const lines = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut)), ...d.flush()];
    assert.deepEqual(lines, [
      { time: T1, stream: 'stdout', text: 'hello' },
      { time: T2, stream: 'stderr', text: 'oops: a b' },
      { time: T2, stream: 'stdout', text: 'partial' },
    ]);
  }
});

test('a TTY stream is raw stdout with CRLF line ends', () => {
  const d = new LogDecoder(true);
  assert.deepEqual([...d.push(Buffer.from(`${T1} one\r\n${T1} tw`)), ...d.push(Buffer.from('o\r\n'))], [
    { time: T1, stream: 'stdout', text: 'one' },
    { time: T1, stream: 'stdout', text: 'two' },
  ]);
});

test('an unfinished last line comes out on flush', () => {
  const d = new LogDecoder(false);
  assert.deepEqual(d.push(frame(2, `${T1} no newline`)), []);
  assert.deepEqual(d.flush(), [{ time: T1, stream: 'stderr', text: 'no newline' }]);
  assert.deepEqual(d.flush(), []);
});

test('parseLine keeps lines without a timestamp whole', () => {
  assert.deepEqual(parseLine('stdout', 'plain text'), { time: '', stream: 'stdout', text: 'plain text' });
  assert.deepEqual(parseLine('stdout', `${T1}`), { time: T1, stream: 'stdout', text: '' });
  assert.deepEqual(parseLine('stdout', '2026-01-02T03:04:05+02:00 x'), { time: '2026-01-02T03:04:05+02:00', stream: 'stdout', text: 'x' });
});
