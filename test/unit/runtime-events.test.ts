// parseEvent: one line of the engine's event stream (Docker and Podman's compatible API) -> EngineEvent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvent } from '../../src/runtime/docker-api/_events.js';

const attrs = { 'io.turtle.service': 'web', exitCode: '137' };
const cases: [string, string, unknown][] = [
  ['a die carries its exit code', JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: attrs }, timeNano: 1_700_000_000_123_000_000 }),
    { id: 'c1', action: 'die', service: 'web', time: '2023-11-14T22:13:20.123Z', exitCode: 137 }],
  ['a start has none', JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'c1', Attributes: { 'io.turtle.service': 'web' } }, time: 1_700_000_000 }),
    { id: 'c1', action: 'start', service: 'web', time: '2023-11-14T22:13:20.000Z' }],
  ['an unreadable exit code is left out', JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { exitCode: 'x' } }, time: 1_700_000_000 }),
    { id: 'c1', action: 'die', time: '2023-11-14T22:13:20.000Z' }],
  ['events of other types are ignored', JSON.stringify({ Type: 'network', Action: 'connect', Actor: { ID: 'n1' } }), undefined],
];

for (const [name, line, expected] of cases) test(name, () => assert.deepEqual(parseEvent(line), expected));
