// Value forms, table-driven: sizes, durations, command splitting, ports, volumes and ${VAR} interpolation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize, splitShell } from '../../src/spec/_units.js';
import { parseShortPort } from '../../src/spec/_ports.js';
import { parseShortVolume } from '../../src/spec/_volumes.js';
import { substitute } from '../../src/spec/_interpolate.js';

const MiB = 2 ** 20;

test('sizes (Compose forms, binary units) → bytes', () => {
  const table: [string | number, number][] = [
    ['256m', 256 * MiB], ['1g', 2 ** 30], ['512k', 512 * 1024], ['1024b', 1024], [1024, 1024], ['1024', 1024],
    ['1.5g', 1.5 * 2 ** 30], ['64MB', 64 * MiB], ['2kib', 2048], ['1T', 2 ** 40], [' 8m ', 8 * MiB],
  ];
  for (const [input, bytes] of table) assert.equal(parseSize(input), bytes, String(input));
  for (const bad of ['12q', 'm', '-1m', '1 g b', 1.5, -1]) assert.throws(() => parseSize(bad), /expected/, String(bad));
});

test('durations (Compose forms) → milliseconds', () => {
  const table: [string, number][] = [
    ['1m30s', 90_000], ['500ms', 500], ['10s', 10_000], ['1h', 3_600_000], ['1.5s', 1500], ['2h1m', 7_260_000], ['1500us', 2], ['0s', 0],
  ];
  for (const [input, ms] of table) assert.equal(parseDuration(input), ms, input);
  for (const bad of ['10', 's', '1d', '1m 30s', '', '5sec']) assert.throws(() => parseDuration(bad), /expected a duration/, bad);
});

test('command strings split like a shell', () => {
  const table: [string, string[]][] = [
    ['httpd -f', ['httpd', '-f']],
    ['sh -c "echo hello world"', ['sh', '-c', 'echo hello world']],
    ["echo 'a \"b\" c'", ['echo', 'a "b" c']],
    ['a\\ b  c', ['a b', 'c']],
    ['say "x\\"y"', ['say', 'x"y']],
    ['empty "" arg', ['empty', '', 'arg']],
    ['  ', []],
  ];
  for (const [input, words] of table) assert.deepEqual(splitShell(input), words, input);
  assert.throws(() => splitShell('sh -c "echo'), /unclosed " quote/);
});

test('short port syntax', () => {
  const table: [string, object[]][] = [
    ['8080:80', [{ host: 8080, container: 80, protocol: 'tcp' }]],
    ['127.0.0.1:8443:443/tcp', [{ host: 8443, hostIp: '127.0.0.1', container: 443, protocol: 'tcp' }]],
    ['9000', [{ container: 9000, protocol: 'tcp' }]],
    ['53:53/udp', [{ host: 53, container: 53, protocol: 'udp' }]],
    ['127.0.0.1::80', [{ hostIp: '127.0.0.1', container: 80, protocol: 'tcp' }]],
    ['[::1]:8080:80', [{ host: 8080, hostIp: '::1', container: 80, protocol: 'tcp' }]],
    ['8000-8001:9000-9001', [{ host: 8000, container: 9000, protocol: 'tcp' }, { host: 8001, container: 9001, protocol: 'tcp' }]],
    ['7000-7001', [{ container: 7000, protocol: 'tcp' }, { container: 7001, protocol: 'tcp' }]],
  ];
  for (const [input, bindings] of table) assert.deepEqual(parseShortPort(input), bindings, input);
  const bad: [string, string][] = [
    ['80:80/sctp', 'protocol "sctp" is not tcp or udp'],
    ['0:80', 'host port 0 is outside 1-65535'],
    ['8000-8002:80', 'host range 8000-8002 and container range must be the same length'],
    ['9-8', 'container port range 9-8 runs backwards'],
    ['::1:80:80', 'expected [HOST_IP:][HOST:]CONTAINER[/PROTOCOL] (put IPv6 addresses in brackets)'],
    ['x', 'container port "x" is not a number'],
  ];
  for (const [input, message] of bad) assert.throws(() => parseShortPort(input), { message }, input);
});

test('short volume syntax', () => {
  const table: [string, object | string][] = [
    ['./data:/data:ro', { type: 'bind', source: './data', target: '/data', readOnly: true }],
    ['/srv/x:/x', { type: 'bind', source: '/srv/x', target: '/x', readOnly: false }],
    ['~/x:/x:rw', { type: 'bind', source: '~/x', target: '/x', readOnly: false }],
    ['named:/var/lib/x', { type: 'volume', source: 'named', target: '/var/lib/x', readOnly: false }],
    ['/cache', { type: 'volume', target: '/cache', readOnly: false }],
    ['data', 'target "data" must be an absolute path in the container'],
    ['a:/b:z', { type: 'volume', source: 'a', target: '/b', readOnly: false }],
    ['a:/b:ro,Z', { type: 'volume', source: 'a', target: '/b', readOnly: true }],
    ['a:/b:rx', 'mode "rx" is not one of ro, rw, z, Z, cached, delegated, consistent'],
    ['bad name:/x', 'volume name "bad name" may use only letters, digits, _ . - (start a host path with / or ./)'],
    ['a:b:c:d', 'expected [SOURCE:]TARGET[:ro|rw]'],
  ];
  for (const [input, expected] of table) assert.deepEqual(parseShortVolume(input), expected, input);
});

test('${VAR} interpolation (Compose rules)', () => {
  const env = { SET: 'v', EMPTY: '', B: 'b' };
  const table: [string, string][] = [
    ['${SET}', 'v'], ['$SET/x', 'v/x'], ['a${SET}b', 'avb'], ['$$SET', '$SET'], ['cost: 5$', 'cost: 5$'],
    ['${UNSET:-d}', 'd'], ['${EMPTY:-d}', 'd'], ['${EMPTY-d}', ''], ['${UNSET-d}', 'd'],
    ['${SET:+yes}', 'yes'], ['${UNSET:+yes}', ''], ['${UNSET:-${B}}', 'b'], ['${UNSET:-a-b}', 'a-b'], ['${SET:?x}', 'v'],
  ];
  for (const [input, output] of table) assert.equal(substitute(input, env), output, input);
  const bad: [string, string][] = [
    ['${UNSET}', 'variable `UNSET` is not set'],
    ['$UNSET', 'variable `UNSET` is not set'],
    ['${UNSET:?give me one}', 'variable `UNSET` is not set: give me one'],
    ['${EMPTY:?}', 'variable `EMPTY` is not set: required'],
    ['${SET', 'unclosed "${" in "${SET"'],
    ['${1X}', '"${1X}" is not a valid variable reference'],
  ];
  for (const [input, message] of bad) assert.throws(() => substitute(input, env), { message }, input);
});
