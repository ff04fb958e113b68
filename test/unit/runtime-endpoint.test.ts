// Endpoint strings turn into exactly the connection options docker-modem needs, or a clear error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode, TurtleError } from '../../src/lib/errors.js';
import { parseEndpoint } from '../../src/runtime/docker-api/_endpoint.js';

const cases: Array<[string, ReturnType<typeof parseEndpoint>]> = [
  ['unix:///run/turtle-test/docker.sock', { socketPath: '/run/turtle-test/docker.sock' }],
  ['tcp://10.0.0.2:2375', { protocol: 'http', host: '10.0.0.2', port: 2375 }],
  ['tcp://router.lan', { protocol: 'http', host: 'router.lan', port: 2375 }],
  ['http://[fd00::2]:8080', { protocol: 'http', host: 'fd00::2', port: 8080 }],
  ['https://engine.example:2376', { protocol: 'https', host: 'engine.example', port: 2376 }],
];

for (const [endpoint, expected] of cases) {
  test(`parses ${endpoint}`, () => assert.deepEqual(parseEndpoint(endpoint), expected));
}

for (const bad of ['unix://relative.sock', '/run/docker.sock', 'ssh://host', 'tcp://']) {
  test(`rejects ${bad}`, () => {
    assert.throws(
      () => parseEndpoint(bad),
      (err: unknown) =>
        err instanceof TurtleError &&
        err.message === `engine endpoint "${bad}" is not understood` &&
        err.exitCode === ExitCode.invalid &&
        err.hint === 'use unix:///path/to/engine.sock, tcp://host:port or http(s)://host:port',
    );
  });
}
