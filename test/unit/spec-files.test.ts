// Compose's secrets and configs (files mounted read-only), and ${VAR} inside .env and env_file files.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InvalidInputError } from '../../src/lib/errors.js';
import { loadSpecFile, parseSpec } from '../../src/spec/index.js';

const dir = mkdtempSync(join(tmpdir(), 'turtle-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'compose.yaml');
mkdirSync(join(dir, 'db'));
writeFileSync(join(dir, 'db', 'password.txt'), 'hunter2\n');
writeFileSync(join(dir, 'nginx.conf'), 'events {}\n');

const HEAD = `name: shop
sites:
  dc1: { role: edge, capacity: { cpus: 4, memory: 4g }, budget: { cpu: 100, memory: 100 } }
`;
const problems = (text: string): string[] => {
  try {
    parseSpec(HEAD + text, file, {});
  } catch (err) {
    if (err instanceof InvalidInputError) return err.issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
    throw err;
  }
  return [];
};

test('a secret is its file mounted read-only at /run/secrets/<target>; a config at /<name> or its target', () => {
  const spec = parseSpec(HEAD + `services:
  db:
    image: mariadb
    volumes: [data:/var/lib/mysql]
    secrets: [db-password, { source: db-password, target: root }, { source: db-password, target: /etc/pw }]
    configs: [nginx, { source: nginx, target: /etc/nginx/nginx.conf }]
volumes: { data: {} }
secrets:
  db-password: { file: db/password.txt }
configs:
  nginx: { file: ./nginx.conf, name: shop-nginx }
`, file, {});
  const db = spec.services.db!;
  assert.deepEqual(db.mounts.slice(1), [
    { type: 'bind', source: join(dir, 'db/password.txt'), target: '/run/secrets/db-password', readOnly: true },
    { type: 'bind', source: join(dir, 'db/password.txt'), target: '/run/secrets/root', readOnly: true },
    { type: 'bind', source: join(dir, 'db/password.txt'), target: '/etc/pw', readOnly: true },
    { type: 'bind', source: join(dir, 'nginx.conf'), target: '/nginx', readOnly: true },
    { type: 'bind', source: join(dir, 'nginx.conf'), target: '/etc/nginx/nginx.conf', readOnly: true },
  ]);
  assert.deepEqual([spec.secrets, spec.configs], [{ 'db-password': { file: 'db/password.txt' } }, { nginx: { file: './nginx.conf' } }]);
  assert.equal(spec.notes, undefined);
  // the value never enters the spec, only the path
  assert.equal(JSON.stringify(spec).includes('hunter2'), false);
});

test('uid, gid and mode are noted as not applied; a site whose engine is elsewhere is told to have the files', () => {
  const spec = parseSpec(`name: shop
sites:
  dc1: { role: edge, capacity: { cpus: 4, memory: 4g }, budget: { cpu: 100, memory: 100 } }
  dc2: { role: edge, engine: "tcp://10.0.0.2:2375", capacity: { cpus: 4, memory: 4g }, budget: { cpu: 100, memory: 100 } }
services:
  db:
    image: mariadb
    secrets: [{ source: pw, uid: "999", mode: 0400 }]
secrets:
  pw: { file: db/password.txt }
`, file, {});
  assert.deepEqual(spec.notes?.map((n) => `${n.path}: ${n.message}`), [
    'sites.dc2: dc2 runs services with secrets or configs, and its engine is not on this machine: it mounts each file from its own disk, at the same path',
    'services.db.secrets[0]: uid, mode of secret `pw` are not applied: the file is mounted from the host as it is (as in Compose without Swarm)',
  ]);
});

test('bad secrets and configs are located, and each says what to do', () => {
  assert.deepEqual(problems(`services:
  web:
    image: nginx
    secrets: [{ source: pw, target: "" }, { source: pw, owner: me }]
`), [
    'services.web.secrets[0].target: expected a path, found ""',
    'services.web.secrets[1].owner: unknown key `owner` (expected one of: source, target, uid, gid, mode)',
  ]);
  assert.deepEqual(problems(`services:
  web:
    image: nginx
    secrets: [nope, pw]
    configs: [site, gone]
    volumes: ["./nginx.conf:/run/secrets/pw"]
secrets:
  pw: { file: db/password.txt }
  env: { environment: DB_PASSWORD }
  swarm: { external: true }
  empty: {}
configs:
  site: { content: "server {}" }
  gone: { file: ./missing.conf }
`), [
    'services.web: two mounts at /run/secrets/pw (a secret or config and a volume, or two of them) (give one of them another target)',
    "services.web.secrets[0]: secret `nope` is not declared under the top-level `secrets:` (add it there: secrets: { nope: { file: ./nope.txt } }, or { nope: { external: true } } to keep it in turtle's store)",
    "secrets.env.environment: `environment` is not supported by turtle (a secret read from an environment variable would put its value in turtle's records; keep it in turtle's store instead (`external: true`, then `printenv VAR | turtle secret set NAME`))",
    "secrets.empty: missing required key `file` or `external: true` (name a file ({ file: ./password.txt }), or keep the value in turtle's store: { external: true }, then turtle secret set NAME)",
    'configs.site.content: `content` is not supported by turtle (write the content to a file beside turtle.yaml and name it with `file:` (`turtle import` does this for you))',
    `configs.gone.file: the file of config \`gone\`, ${join(dir, 'missing.conf')}, does not exist (create it (the path is relative to ${dir}) or fix the path)`,
  ]);
});

test('${VAR} in .env and in env_file is read as Compose reads it: from the environment or earlier lines; single quotes and format: raw keep it', () => {
  const d = mkdtempSync(join(tmpdir(), 'turtle-envfiles-'));
  try {
    const spec = join(d, 'compose.yaml');
    writeFileSync(spec, HEAD + 'services:\n  web:\n    image: nginx\n    volumes: ["${DATA}:/data"]\n    env_file: [app.env, { path: raw.env, format: raw }]\n');
    writeFileSync(join(d, '.env'), 'ROOT=${STORAGE:-/mnt/volumes}\nDATA="${ROOT}/web"\nLIT=\'${ROOT}\'\n');
    writeFileSync(join(d, 'app.env'), 'URL=http://${HOST}:${PORT:-80}/\nMISSING=${NOPE}\n');
    writeFileSync(join(d, 'raw.env'), 'RAW=${HOST}\n');
    const loaded = loadSpecFile(spec, { HOST: 'db' });
    assert.deepEqual(loaded.services.web!.mounts[0]?.source, '/mnt/volumes/web');
    assert.deepEqual(loaded.services.web!.env, { URL: 'http://db:80/', MISSING: '', RAW: '${HOST}' });
    writeFileSync(join(d, '.env'), 'DATA=${X:?set X first}\n');
    assert.throws(() => loadSpecFile(spec, {}), new RegExp(`^TurtleError: ${join(d, '.env')}:1: variable \`X\` is not set: set X first$`));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a variable named without a value is taken from where turtle runs, as in Compose; unset, it is left out with a note', () => {
  const spec = parseSpec(HEAD + 'services:\n  web:\n    image: nginx\n    environment: [TZ, LANG, A=1, "NOPE"]\n  api:\n    image: nginx\n    environment: { TZ: , B: 2, GONE: }\n', file, { TZ: 'Europe/Zurich', LANG: 'C.UTF-8' });
  assert.deepEqual([spec.services.web!.env, spec.services.api!.env], [{ TZ: 'Europe/Zurich', LANG: 'C.UTF-8', A: '1' }, { TZ: 'Europe/Zurich', B: '2' }]);
  assert.deepEqual(spec.notes?.map((n) => `${n.path}: ${n.message}`), [
    'services.web.environment[3]: variable `NOPE` has no value here and is not set where turtle runs, so the container does not get it (as in Compose)',
    'services.api.environment.GONE: variable `GONE` has no value here and is not set where turtle runs, so the container does not get it (as in Compose)',
  ]);
});

test("network_mode container:NAME joins the service of this file whose container_name (or name) is NAME", () => {
  const spec = parseSpec(HEAD + 'services:\n  vpn:\n    image: gluetun\n    container_name: my-vpn\n  app:\n    image: nginx\n    network_mode: container:my-vpn\n  other:\n    image: nginx\n    network_mode: "container:vpn"\n', file, {});
  assert.deepEqual([spec.services.app!.networking?.mode, spec.services.other!.networking?.mode], ['service:vpn', 'service:vpn']);
  assert.deepEqual(problems('services:\n  app:\n    image: nginx\n    network_mode: container:elsewhere\n'), [
    'services.app.network_mode: `container:elsewhere` joins a container turtle does not manage, whose name and lifetime it cannot know (make that container a service of this file (then container:NAME, or service:NAME, joins it), or put both on one network)',
  ]);
});
