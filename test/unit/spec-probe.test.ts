// `probe`: the agent's own health check, parsed with its fast defaults; one kind exactly; bad values located.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../src/spec/index.js';
import { InvalidInputError, formatIssue } from '../../src/lib/errors.js';

const doc = (probe: string) => `version: 1
project: p
sites:
  dc1: { capacity: { cpus: 1, memory: 1g } }
services:
  web:
    image: nginx
    probe: ${probe}
`;

test('probe forms parse to one check with the defaults filled in', () => {
  const cases: [string, unknown][] = [
    ['{ http: { port: 80, path: /health } }', { check: { kind: 'http', port: 80, path: '/health' }, intervalMs: 2000, timeoutMs: 800, failureThreshold: 2, startPeriodMs: 0 }],
    ['{ http: { port: 8080 }, interval: 5s, failure_threshold: 3 }', { check: { kind: 'http', port: 8080, path: '/' }, intervalMs: 5000, timeoutMs: 800, failureThreshold: 3, startPeriodMs: 0 }],
    ['{ tcp: { port: 5432 }, timeout: 1s, start_period: 10s }', { check: { kind: 'tcp', port: 5432 }, intervalMs: 2000, timeoutMs: 1000, failureThreshold: 2, startPeriodMs: 10000 }],
    ['{ exec: ["pg_isready", "-q"] }', { check: { kind: 'exec', command: ['pg_isready', '-q'] }, intervalMs: 2000, timeoutMs: 800, failureThreshold: 2, startPeriodMs: 0 }],
  ];
  for (const [yaml, expected] of cases) assert.deepEqual(parseSpec(doc(yaml), 'turtle.yaml', {}).services.web?.probe, expected, yaml);
});

test('bad probes are reported at their place', () => {
  const cases: [string, string][] = [
    ['{ interval: 1s }', 'turtle.yaml:8:5: services.web.probe: a probe has exactly one of http, tcp or exec; found none'],
    ['{ http: { port: 80 }, tcp: { port: 81 } }', 'turtle.yaml:8:5: services.web.probe: a probe has exactly one of http, tcp or exec; found http and tcp'],
    ['{ tcp: { port: 70000 } }', 'turtle.yaml:8:27: services.web.probe.tcp.port: must be at most 65535, found 70000'],
    ['{ http: { port: 80, path: health } }', 'turtle.yaml:8:38: services.web.probe.http.path: "health" is not valid: a path starting with /'],
  ];
  for (const [yaml, message] of cases) {
    assert.throws(() => parseSpec(doc(yaml), 'turtle.yaml', {}), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.deepEqual(err.issues.map(formatIssue), [message]);
      return true;
    }, yaml);
  }
});
