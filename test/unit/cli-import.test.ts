// `turtle import` (a Compose file → turtle.yaml, comments and order kept, every change said) and
// `turtle validate FILE`, through the real CLI; the transform's cases table-driven underneath.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { importCompose, parseSites } from '../../src/spec/import.js';
import { Workdir } from '../helpers/cli.js';

const work = new Workdir();
after(() => work.remove());
const CAPACITY = { cpus: 4, memory: '4g', whose: 'the test\'s' };
const run = (text: string) => importCompose(text, { from: '/srv/My Shop/compose.yaml', to: '/srv/My Shop/turtle.yaml', capacity: CAPACITY });

test('import keeps the comments and order, adds the project from the folder and the sites before services', () => {
  const r = run(`# the shop
services:
  # the front
  web:
    image: nginx:1.25 # pinned
    ports: ["8080:80"]
`);
  assert.equal(r.text, `# the shop

# from the folder's name, as Compose names the project
project: my-shop
# where the services run; capacity is the test's: set each site host's own
sites:
  dc1: { runtime: docker, capacity: { cpus: 4, memory: 4g } }
services:
  # the front
  web:
    image: nginx:1.25 # pinned
    ports: [ "8080:80" ]
`);
  assert.deepEqual(r.changed, ["project: my-shop (the folder's name, as Compose takes it)", "sites: dc1 (docker), each with the test's capacity (4 CPUs, 4g): set each site host's own"]);
  assert.deepEqual([r.files, r.left], [[], []]);
});

test('import rewrites what turtle reads differently, each change said', () => {
  const cases: { name: string; compose: string; has: string[]; changed: RegExp }[] = [
    { name: 'build without image', compose: 'services:\n  app:\n    build: .\n', has: ['    image: app:latest\n    build: .'], changed: /^services\.app\.image: app:latest beside its build/ },
    { name: 'restart in deploy, through an anchor', compose: 'x-d: &d\n  restart_policy: { condition: unless-stopped, delay: 5s }\nservices:\n  app:\n    image: a\n    deploy:\n      <<: *d\n', has: ['    restart: unless-stopped', 'restart_policy: {}'], changed: /^services\.app\.restart: unless-stopped, from deploy\.restart_policy\.condition/ },
    { name: 'pull_policy always', compose: 'services:\n  app:\n    image: a\n    pull_policy: always\n', has: ['    image: a\n'], changed: /^services\.app\.pull_policy: always removed/ },
    { name: "Swarm's update order", compose: 'services:\n  app:\n    image: a\n    deploy: { update_config: { order: stop-first, parallelism: 2 } }\n', has: ['    update: { order: stop-first }'], changed: /^services\.app\.deploy\.update_config removed \(Swarm's\); its order is turtle's update/ },
    { name: "Swarm's placement", compose: 'services:\n  app:\n    image: a\n    deploy: { placement: { constraints: [node.role==manager] } }\n', has: ['deploy: {}'], changed: /^services\.app\.deploy\.placement removed/ },
    { name: 'a variable set twice', compose: 'services:\n  app:\n    image: a\n    environment:\n      - A=1\n      - B=2\n      - A=3\n', has: ['      - B=2\n      - A=3\n'], changed: /^services\.app\.environment: A was set more than once: the last value is kept/ },
  ];
  for (const c of cases) {
    const r = run(c.compose);
    for (const h of c.has) assert.ok(r.text.includes(h), `${c.name}: ${JSON.stringify(h)} in\n${r.text}`);
    assert.equal(r.changed.filter((l) => c.changed.test(l)).length, 1, `${c.name}: ${r.changed.join('\n')}`);
  }
  const content = run('services:\n  app:\n    image: a\n    configs: [site]\nconfigs:\n  site:\n    content: |\n      server {}\n');
  assert.deepEqual(content.files, [{ path: '/srv/My Shop/configs/site', content: 'server {}\n' }]);
  assert.ok(content.text.includes('  site:\n    file: ./configs/site\n'), content.text);
  const left = run('services:\n  app:\n    image: a\nsecrets:\n  pw: { environment: PW }\n');
  assert.deepEqual(left.left, ["secrets.pw: from the environment variable PW: keep it in turtle's store instead (external: true, then printenv PW | turtle secret set pw)"]);
});

test('import refuses what is not a Compose file; --site is checked', () => {
  assert.throws(() => run('- a\n'), /no `services:` map, so it is not a Compose file/);
  assert.throws(() => run('sites: {}\nservices: {}\n'), /already has `sites:`: it is a turtle\.yaml/);
  assert.throws(() => run('services: [\n'), /not YAML/);
  assert.deepEqual(parseSites(['dc1=docker,dc2=podman', 'dc3']), [{ name: 'dc1', runtime: 'docker' }, { name: 'dc2', runtime: 'podman' }, { name: 'dc3', runtime: 'docker' }]);
  for (const [flag, message] of [['DC1=docker', /expected NAME=RUNTIME/], ['dc1=lxc', /the runtime is docker or podman, found "lxc"/], ['dc1,dc1', /--site dc1 is given twice/], ['a=b=c', /expected NAME=RUNTIME/]] as const)
    assert.throws(() => parseSites([flag]), message, flag);
});

test('turtle import writes turtle.yaml beside the Compose file and validates it; it never overwrites without --force', async () => {
  mkdirSync(join(work.dir, 'db'), { recursive: true });
  writeFileSync(join(work.dir, 'db', 'password.txt'), 'hunter2\n');
  writeFileSync(join(work.dir, 'compose.yaml'), 'services:\n  db:\n    image: mariadb:11\n    secrets: [pw]\n    environment: [MARIADB_ROOT_PASSWORD_FILE=/run/secrets/pw]\nsecrets:\n  pw: { file: db/password.txt }\n');
  const r = await work.run(['import', 'compose.yaml', '--site', 'dc1=docker,dc2=podman'], {}, true);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote turtle\.yaml from compose\.yaml\n {2}changed: project: turtle-cli-\w+ \(the folder's name, as Compose takes it\)\n {2}changed: sites: dc1 \(docker\), dc2 \(podman\), each with this machine's capacity/);
  assert.match(r.stdout, /\nturtle\.yaml is valid; deploy it with turtle -f turtle\.yaml deploy\n$/);
  assert.ok(readFileSync(work.spec, 'utf8').includes('  dc2: { runtime: podman, capacity: {'));
  const again = await work.run(['import', 'compose.yaml'], {}, true);
  assert.deepEqual([again.code, again.stderr], [1, `error: ${work.spec} exists\nhint: pass --force to overwrite it, or -o to write another file\n`]);
  assert.equal((await work.run(['import', 'compose.yaml', '--force', '--site', 'dc1=docker', '--site', 'dc2=podman'], {}, true)).code, 0);
  const elsewhere = await work.run(['import', 'compose.yaml', '-o', '/tmp/elsewhere.yaml'], {}, true);
  assert.deepEqual([elsewhere.code, elsewhere.stderr.split('\n')[0]], [1, 'error: --output /tmp/elsewhere.yaml: write the turtle.yaml beside compose.yaml']);
  assert.equal(existsSync('/tmp/elsewhere.yaml'), false);
  // validate takes the file as its argument; with --file naming another, it says so
  const v = await work.run(['validate', 'turtle.yaml'], {}, true);
  assert.deepEqual([v.code, v.stdout], [0, 'turtle.yaml is valid: 2 sites, 1 services (dc1: 1, dc2: 1)\n']);
  const both = await work.run(['-f', 'x.yaml', 'validate', 'turtle.yaml'], {}, true);
  assert.deepEqual([both.code, both.stderr], [1, 'error: two specs to validate: --file x.yaml and turtle.yaml\nhint: name one of them\n']);
});

test('turtle import of a file that needs more work writes it, lists the problems and exits 1', async () => {
  writeFileSync(join(work.dir, 'compose.yaml'), 'services:\n  vpn:\n    image: gluetun\n    network_mode: container:outside\n');
  const r = await work.run(['import', 'compose.yaml', '--force'], {}, true);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\n {2}problem: .*turtle\.yaml:\d+:\d+: services\.vpn\.network_mode: `container:outside` joins a container turtle does not manage/);
  assert.match(r.stderr, /^error: turtle\.yaml was written and has 1 problem left\nhint: fix them, then check with turtle validate\n$/);
});
