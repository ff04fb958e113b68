// Bad input to `turtle probe`, `turtle decide` and `turtle optimise` through the real CLI: exact message, hint, exit code.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Workdir } from '../helpers/cli.js';

const work = new Workdir();
after(() => work.remove());
work.write(`
version: 1
project: research
sites:
  dc1: { role: edge, runtime: docker, engine: "unix:///nonexistent/turtle-test.sock", capacity: { cpus: 4, memory: 4g } }
  dc3: { role: observer }
services:
  web: { image: "turtle-test/web:1", resources: { cpus: 0.1, memory: 32m } }
`);

const cases: { args: string[]; code: number; stderr: string }[] = [
  { args: ['probe'], code: 1, stderr: "error: required option '--site <name>' not specified\nhint: see `turtle --help` or `turtle <command> --help`\n" },
  { args: ['probe', '--site', 'dc9'], code: 1, stderr: 'error: unknown site `dc9` (sites in SPEC: dc1, dc3)\nhint: did you mean `dc1`?\n' },
  { args: ['probe', '--site', 'dc3'], code: 1, stderr: 'error: site `dc3` is an observer: it runs no services\nhint: pass an edge site to --site\n' },
  { args: ['probe', '--site', 'dc1,dc3'], code: 1, stderr: 'error: --site takes one site for a probe, got `dc1,dc3`\nhint: probe one site at a time: each probe loads its host\n' },
  { args: ['probe', '--site', 'dc1', '--repeats', 'x'], code: 1, stderr: 'error: --repeats expects a whole number from 1 to 100, got `x`\nhint: for example --repeats 9\n' },
  {
    args: ['probe', '--site', 'dc1'],
    code: 4,
    stderr: 'error: site dc1: docker engine at unix:///nonexistent/turtle-test.sock is not reachable (ENOENT)\nhint: start Docker: `systemctl start docker`, or `dockerd --host unix:///nonexistent/turtle-test.sock`\n',
  },
];

for (const c of cases) {
  test(`turtle ${c.args.join(' ')} -> exit ${c.code}`, async () => {
    const r = await work.run(c.args);
    assert.equal(r.stderr.replaceAll(work.spec, 'SPEC'), c.stderr);
    assert.equal(r.code, c.code);
    assert.equal(r.stdout, '');
  });
}
