// Bad flags of the two daemons, `turtle agent` and `turtle observer`, through the real CLI: each is refused
// before anything starts or is written, with what is wrong, an example of what is right, and exit 1.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { initCa, issueCert } from '../../src/pki/index.js';
import { Workdir } from '../helpers/cli.js';

const work = new Workdir();
// a port this test holds, so it is taken whatever else runs on the host
const holder = createServer().listen(0, '127.0.0.1');
await new Promise((resolve) => holder.once('listening', resolve));
const taken = (holder.address() as AddressInfo).port;
after(() => {
  holder.close();
  work.remove();
});
work.write(`
version: 1
project: flags
sites:
  dc1: { runtime: docker, engine: "unix:///nonexistent/a.sock", agent: "https://127.0.0.1:7443", capacity: { cpus: 1, memory: 1g } }
  dc2: { runtime: podman, engine: "unix:///nonexistent/b.sock", capacity: { cpus: 1, memory: 1g } }
  dc3: { role: observer }
services:
  web: { image: "turtle-test/web:1" }
`);
const emptyTls = join(work.dir, 'empty-tls');
mkdirSync(emptyTls);
// good certificates, so the daemons get as far as binding their address
const agentTls = join(work.dir, 'agent-tls');
const observerTls = join(work.dir, 'observer-tls');
await initCa(join(work.dir, 'ca'));
await issueCert(join(work.dir, 'ca'), { role: 'agent', name: 'dc1', hosts: ['127.0.0.1'], out: agentTls });
await issueCert(join(work.dir, 'ca'), { role: 'observer', name: 'obs', out: observerTls, hosts: ['127.0.0.1'] });
const USAGE = 'hint: see `turtle --help` or `turtle <command> --help`';

interface Case {
  args: string[];
  stderr: string[];
}

/** Refusals write nothing, so they run side by side; each checks that no store appeared. */
function refuses(title: string, cases: readonly Case[]): void {
  describe(title, { concurrency: 4 }, () => {
    for (const c of cases) {
      test(`turtle ${c.args.join(' ').replaceAll(work.dir, 'DIR').replace(`:${taken}`, ':TAKEN')}`, async () => {
        const r = await work.run(c.args);
        assert.equal(r.stderr.replaceAll(work.spec, 'SPEC'), [...c.stderr, ''].join('\n'));
        assert.deepEqual([r.code, r.stdout], [1, '']);
        assert.equal(existsSync(join(work.dir, 'state.db')), false, 'no agent store');
        assert.equal(existsSync(join(work.dir, '.turtle')), false, 'no observer store');
      });
    }
  });
}

const listen = (flag: string, example: string): Case[] => [
  { args: [flag, 'nope'], stderr: ['error: --listen expects host:port, got `nope`', `hint: for example --listen ${example}`] },
  { args: [flag, '7443'], stderr: ['error: --listen expects host:port, got `7443`', `hint: for example --listen ${example}`] },
  {
    args: [flag, '127.0.0.1:99999'],
    stderr: ['error: --listen: port 99999 is out of range (0-65535) in `127.0.0.1:99999`', `hint: for example --listen ${example} (port 0 picks a free one)`],
  },
];

refuses('turtle agent: bad flags', [
  { args: ['agent'], stderr: ["error: required option '--site <name>' not specified", USAGE] },
  {
    args: ['agent', '--site', 'dc9'],
    stderr: ['error: unknown site `dc9` (sites in SPEC: dc1, dc2, dc3)', 'hint: did you mean `dc1`? Else -f the spec that names dc9'],
  },
  {
    args: ['agent', '--site', 'router'],
    stderr: ['error: unknown site `router` (sites in SPEC: dc1, dc2, dc3)', 'hint: pass one of them to --site, or -f the spec that names router'],
  },
  {
    args: ['agent', '--site', 'dc3'],
    stderr: ['error: site `dc3` is an observer: it runs no services, so it has no agent', 'hint: run the agent on an edge site, and `turtle observer` on this one'],
  },
  { args: ['agent', '--site', 'dc1', '--runtime', 'lxc'], stderr: ['error: unknown runtime `lxc`', 'hint: use docker or podman'] },
  ...listen('--listen', '0.0.0.0:7443').map((c) => ({ ...c, args: ['agent', '--site', 'dc1', ...c.args] })),
  ...['x', '0'].map((v) => ({
    args: ['agent', '--site', 'dc1', '--resync', v],
    stderr: [`error: --resync expects a whole number of seconds (1 or more), got \`${v}\``, 'hint: for example --resync 30'],
  })),
  {
    args: ['agent', '--site', 'dc1', '--tls-dir', agentTls, '--engine', 'docker.sock'],
    stderr: ['error: --engine: engine endpoint "docker.sock" is not understood', 'hint: use unix:///path/to/engine.sock, tcp://host:port or http(s)://host:port'],
  },
  {
    args: ['agent', '--site', 'dc2', '--tls-dir', emptyTls],
    stderr: [`error: ${emptyTls}/cert.pem is missing`, `hint: issue the agent's certificate: turtle ca issue --role agent --name dc2 --host <its address> --out ${emptyTls}`],
  },
  { args: ['agent', '--site', 'dc1', '--bogus'], stderr: ["error: unknown option '--bogus'", USAGE] },
]);

refuses('turtle observer: bad flags', [
  // the same parsers as the agent's: one case each shows the observer uses them
  ...listen('--listen', '0.0.0.0:8080').slice(2).map((c) => ({ ...c, args: ['observer', ...c.args] })),
  ...['0'].map((v) => ({
    args: ['observer', '--unreachable-after', v],
    stderr: [`error: --unreachable-after expects a whole number of seconds (1 or more), got \`${v}\``, 'hint: for example --unreachable-after 30'],
  })),
  { args: ['observer', '--site', 'dc9'], stderr: ['error: unknown site `dc9` (sites in SPEC: dc1, dc2, dc3)', 'hint: did you mean `dc1`?'] },
  { args: ['observer', '--site', 'dc3'], stderr: ['error: site `dc3` is an observer: it runs no services', 'hint: pass an edge site to --site'] },
  {
    args: ['observer', '--site', 'dc2'],
    stderr: ['error: no site passed to --site (dc2) names an agent to watch', 'hint: give dc2 `agent: https://host:7443` in turtle.yaml, or pass other sites to --site'],
  },
  {
    args: ['observer', '--tls-dir', emptyTls],
    stderr: [
      'observer: site dc2 has no `agent:` URL; not watched',
      `error: no observer certificate in ${emptyTls}`,
      `hint: issue one: turtle ca issue --role observer --name observer --host localhost,127.0.0.1 --out ${emptyTls} (or pass --tls-dir)`,
    ],
  },
  { args: ['observer', '--bogus'], stderr: ["error: unknown option '--bogus'", USAGE] },
  { args: ['observer', 'fly-config'], stderr: ["error: required option '--app <name>' not specified", USAGE] },
  { args: ['observer', 'fly-config', '--app', 'My_App'], stderr: ['error: `My_App` is not a Fly app name', 'hint: lower-case letters, digits and dashes'] },
  {
    args: ['observer', 'fly-config', '--app', 'obs', '--out', work.spec],
    stderr: ['error: SPEC is a file, not a directory', 'hint: pass the turtle checkout (the Docker build context) to --out'],
  },
  ...['65536', 'http'].map((v) => ({
    args: ['observer', 'fly-config', '--app', 'obs', '--port', v],
    stderr: [`error: --port expects a port number (1-65535), got \`${v}\``, 'hint: for example --port 8080'],
  })),
]);

/** 192.0.2.1 is TEST-NET-1 (RFC 5737): no host has it. */
const unbindable = (args: string[], warning: string[]): Case[] => [
  {
    args: [...args, `127.0.0.1:${taken}`],
    stderr: [...warning, `error: cannot listen on 127.0.0.1:${taken}: something else listens there`, 'hint: stop it, or pass another --listen (port 0 picks a free one)'],
  },
  {
    args: [...args, '192.0.2.1:0'],
    stderr: [...warning, 'error: cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this host', 'hint: pass one of its addresses, or 0.0.0.0 for all of them'],
  },
];

refuses('turtle agent and observer: a --listen address they cannot bind, before any store is opened', [
  ...unbindable(['agent', '--site', 'dc1', '--tls-dir', agentTls, '--listen'], []),
  ...unbindable(['observer', '--tls-dir', observerTls, '--listen'], ['observer: site dc2 has no `agent:` URL; not watched']),
]);
