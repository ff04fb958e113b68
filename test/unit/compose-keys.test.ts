// The Compose service keys people write: what each becomes (options, resources, replicas, restart, env),
// the rule that two forms of one setting agree, env_file, profiles, site `forbid`, and their errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InvalidInputError } from '../../src/lib/errors.js';
import { loadSpecFile, parseSpec, withProfiles, activeProfiles, type Spec } from '../../src/spec/index.js';

const dir = mkdtempSync(join(tmpdir(), 'turtle-compose-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'turtle.yaml');

const HEAD = `version: 1
project: shop
sites:
  dc1: { role: edge, capacity: { cpus: 4, memory: 4g }, budget: { cpu: 100, memory: 100 } }
services:
`;
const parse = (services: string, head = HEAD): Spec => parseSpec(head + services, file, {});
const problems = (services: string, head = HEAD): string[] => {
  try {
    parse(services, head);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
    throw err;
  }
  return [];
};

test('the container keys become the service options, in turtle units', () => {
  const web = parse(`  web:
    image: nginx
    hostname: web1
    cap_add: [NET_ADMIN]
    tmpfs: [/run, "/tmp:size=64m"]
    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 }
    extra_hosts: ["router:192.168.1.1"]
    init: true
    stop_signal: SIGQUIT
    stop_grace_period: 1m30s
    sysctls: { net.core.somaxconn: 1024 }
    shm_size: 256m
    logging: { driver: local, options: { max-size: 1m } }
    expose: ["3000", "9000-9001/udp"]
    runtime: crun
`).services.web!;
  assert.deepEqual(web.options, {
    hostname: 'web1',
    expose: ['3000/tcp', '9000/udp', '9001/udp'],
    capAdd: ['NET_ADMIN'],
    tmpfs: { '/run': '', '/tmp': 'size=64m' },
    extraHosts: ['router:192.168.1.1'],
    sysctls: { 'net.core.somaxconn': '1024' },
    init: true,
    stopSignal: 'SIGQUIT',
    stopGraceMs: 90_000,
    ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'nproc', soft: 512, hard: 512 }],
    logging: { driver: 'local', options: { 'max-size': '1m' } },
    shmSize: 256 * 2 ** 20,
    runtime: 'crun',
  });
});

test('Compose forms of limits, replicas and restart land in turtle fields', () => {
  const a = parse(`  a:
    image: nginx
    mem_limit: 256m
    cpus: 0.5
    scale: 2
  b:
    image: nginx
    deploy: { replicas: 3, resources: { limits: { memory: 128m, cpus: "0.25" }, reservations: { memory: 64m } }, restart_policy: { condition: on-failure } }
`).services;
  assert.deepEqual([a.a!.resources, a.a!.replicas], [{ cpus: 0.5, memory: 256 * 2 ** 20 }, 2]);
  assert.deepEqual([a.b!.resources, a.b!.replicas, a.b!.restart], [{ cpus: 0.25, memory: 128 * 2 ** 20, memoryReservation: 64 * 2 ** 20 }, 3, 'on-failure']);
});

test('two forms of one setting must agree; the error names both', () => {
  assert.deepEqual(problems(`  web:
    image: nginx
    mem_limit: 256m
    deploy: { resources: { limits: { memory: 512m } } }
    scale: 2
    replicas: 3
`), [
    'services.web.deploy.resources.limits.memory: `deploy.resources.limits.memory` (512 MiB) and `mem_limit` (256 MiB) both set the memory limit (keep one of mem_limit and deploy.resources.limits.memory)',
    'services.web.scale: `scale` (2) and `replicas` (3) both set the replica count (keep one of replicas and scale)',
  ]);
});

test('env_file: read in order relative to turtle.yaml, environment wins; a missing one says where it looked', () => {
  writeFileSync(join(dir, 'common.env'), '# shared\nA=1\nB="two words"\nexport C=3 # comment\n');
  writeFileSync(join(dir, 'local.env'), "A=from-local\nD='$literal'\n");
  const spec = parse(`  web:
    image: nginx
    env_file: [common.env, local.env, { path: absent.env, required: false }]
    environment: { B: mine }
`);
  assert.deepEqual(spec.services.web!.env, { A: 'from-local', B: 'mine', C: '3', D: '$literal' });
  assert.deepEqual(spec.reads, [join(dir, 'common.env'), join(dir, 'local.env'), join(dir, 'absent.env')]);
  assert.deepEqual(problems('  web:\n    image: nginx\n    env_file: nope.env\n'), [
    `services.web.env_file: env_file ${join(dir, 'nope.env')} does not exist (create it (KEY=VALUE lines; the path is relative to ${dir}), fix the path, or write { path: nope.env, required: false })`,
  ]);
  writeFileSync(join(dir, 'bad.env'), 'OK=1\n1BAD=2\n');
  assert.deepEqual(problems('  web:\n    image: nginx\n    env_file: bad.env\n'), [
    `services.web.env_file: env_file ${join(dir, 'bad.env')}:2: "1BAD" is not a variable name (write KEY=VALUE, one a line; # starts a comment)`,
  ]);
});

test('profiles: a service with profiles runs only when one is active; a typo or a missing dependency is refused', () => {
  const spec = parse(`  web:
    image: nginx
  debug:
    image: busybox
    profiles: [debug]
  tail:
    image: busybox
    profiles: [debug]
    depends_on: [debug]
`);
  assert.deepEqual(Object.keys(withProfiles(spec, [], false).services), ['web']);
  assert.deepEqual(Object.keys(withProfiles(spec, activeProfiles(['debug'], undefined)).services), ['web', 'debug', 'tail']);
  assert.deepEqual(activeProfiles(undefined, 'a, b'), ['a', 'b']);
  assert.throws(() => withProfiles(spec, ['debugg']), (err: InvalidInputError) => (assert.equal(err.issues[0]!.message, 'no service has the profile `debugg`, did you mean `debug`?'), true));
  const needs = parse('  web:\n    image: nginx\n    depends_on: [debug]\n  debug:\n    image: busybox\n    profiles: [debug]\n');
  assert.throws(() => withProfiles(needs, [], false), (err: InvalidInputError) => (assert.equal(err.issues[0]!.message, 'web depends on debug, which runs only with the profile debug'), true));
});

test('a site can forbid privileged, cap_add, devices and host networking; privileged, host networking and an ignored build are noted', () => {
  const head = HEAD.replace('budget: { cpu: 100, memory: 100 } }', 'budget: { cpu: 100, memory: 100 }, forbid: [privileged, host_network] }');
  assert.deepEqual(problems('  web:\n    image: nginx\n    privileged: true\n  net:\n    image: nginx\n    network_mode: host\n', head), [
    'services.web.privileged: site dc1 forbids privileged, which web uses (remove privileged from services.web, remove dc1 from its sites, or take privileged out of sites.dc1.forbid)',
    'services.net.network_mode: site dc1 forbids network_mode: host, which net uses (remove network_mode from services.net, remove dc1 from its sites, or take host_network out of sites.dc1.forbid)',
  ]);
  const notes = parse('  web:\n    image: nginx\n    build: .\n    privileged: true\n    network_mode: host\n').notes?.map((n) => n.message);
  assert.deepEqual(notes, [
    'build is ignored: turtle deploys the image nginx and does not build it',
    'privileged: the container gets every capability and every host device; a site can refuse it with `forbid: [privileged]`',
    "network_mode: host: the container shares the host's network, outside the project's networks and their isolation rules (every port of the host is open to it); a site can refuse it with `forbid: [host_network]`",
  ]);
});

test('bad Compose values say what was expected', () => {
  assert.deepEqual(problems(`  web:
    image: nginx
    ulimits: { nofiles: 10 }
    pull_policy: always
    memswap_limit: 128m
    mem_limit: 256m
    stop_signal: QUIT
`), [
    'services.web.ulimits.nofiles: unknown ulimit `nofiles`, did you mean `nofile`? (expected one of: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)',
    'services.web.pull_policy: pull_policy always is not supported (turtle pulls an image only when the site lacks it; to take a new build, change the tag or digest in `image`)',
    'services.web.stop_signal: "QUIT" is not valid: a signal name such as SIGQUIT, or a number',
  ]);
  assert.deepEqual(problems('  web:\n    image: nginx\n    mem_limit: 256m\n    memswap_limit: 128m\n'), [
    'services.web.memswap_limit: memswap_limit (128 MiB) is less than the memory limit (256 MiB) (memswap_limit is memory plus swap: make it at least the memory limit (equal: no swap))',
  ]);
});

test("Compose's name gives the project, and its version string is accepted and ignored", () => {
  const sites = 'sites:\n  dc1: { role: edge, capacity: { cpus: 4, memory: 4g } }\nservices:\n  web:\n    image: nginx\n';
  assert.equal(parseSpec(`version: "3.8"\nname: shop\n${sites}`, file, {}).project, 'shop');
  assert.equal(parseSpec(`name: shop\n${sites}`, file, {}).project, 'shop');
  const refused = (text: string) => {
    try {
      parseSpec(text, file, {});
    } catch (err) {
      return (err as InvalidInputError).issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`);
    }
    return [];
  };
  assert.deepEqual(refused(`project: shop\nname: shoq\n${sites}`), ['name: `name` (shoq) and `project` (shop) both name the project (keep one of them)']);
  assert.deepEqual(refused(sites), [': missing required key `project` (add project: NAME (or Compose\'s name: NAME))']);
  assert.equal(parseSpec(`version: 3.8\nproject: shop\n${sites}`, file, {}).project, 'shop');
  assert.deepEqual(refused(`version: 7\nproject: shop\n${sites}`), ['version: version 7 is not supported; this turtle reads version 1']);
});

test('bind sources: relative ones from turtle.yaml\'s folder, ~ the home; the z, Z and cached flags are accepted', () => {
  const web = parse(`  web:
    image: nginx
    volumes: ["./conf:/etc/app:ro,z", "~/data:/data:Z", "/abs:/abs:cached", "named:/n", { type: bind, source: ../up, target: /up }]
`).services.web!;
  assert.deepEqual(web.mounts, [
    { type: 'bind', source: join(dir, 'conf'), target: '/etc/app', readOnly: true },
    { type: 'bind', source: join(process.env.HOME ?? '', 'data'), target: '/data', readOnly: false },
    { type: 'bind', source: '/abs', target: '/abs', readOnly: false },
    { type: 'volume', source: 'named', target: '/n', readOnly: false },
    { type: 'bind', source: join(dir, '..', 'up'), target: '/up', readOnly: false },
  ]);
  assert.deepEqual(problems('  web:\n    image: nginx\n    volumes: ["./a:/a:rx"]\n'), [
    'services.web.volumes[0]: mode "rx" is not one of ro, rw, z, Z, cached, delegated, consistent, found "./a:/a:rx" (e.g. "./data:/data:ro" or "named:/var/lib/x")',
  ]);
});

test('.env beside turtle.yaml gives ${VAR} its defaults; the environment wins; a bad line says where', () => {
  const d = mkdtempSync(join(tmpdir(), 'turtle-dotenv-'));
  try {
    const spec = join(d, 'turtle.yaml');
    writeFileSync(spec, HEAD.replace('project: shop', 'project: ${PROJECT}') + '  web:\n    image: nginx:${TAG}\n');
    writeFileSync(join(d, '.env'), 'PROJECT=fromdotenv\nTAG=1.25\n');
    const loaded = loadSpecFile(spec, { TAG: '1.27' });
    assert.deepEqual([loaded.project, loaded.services.web!.image, loaded.reads], ['fromdotenv', 'nginx:1.27', [join(d, '.env'), join(d, 'turtle.secrets', 'hash.key'), join(d, 'turtle.lock')]]);
    writeFileSync(join(d, '.env'), 'PROJECT=x\n2TAG=1\n');
    assert.throws(() => loadSpecFile(spec, {}), new RegExp(`^TurtleError: ${join(d, '.env')}:2: "2TAG" is not a variable name$`));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a host name may hold _ as Docker and Podman take it; a space or 64 characters may not', () => {
  assert.equal(parse('  db:\n    image: mariadb\n    hostname: bookstack_db\n').services.db!.options?.hostname, 'bookstack_db');
  assert.deepEqual(problems(`  db:\n    image: mariadb\n    hostname: "${'a'.repeat(64)}"\n`), [`services.db.hostname: "${'a'.repeat(37)}..." is not valid: letters, digits, - and _, at most 63`]);
});

test('domainname on a Podman site is refused: Podman has no such option', () => {
  const head = HEAD.replace('role: edge,', 'role: edge, runtime: podman,');
  assert.deepEqual(problems('  web:\n    image: nginx\n    domainname: example.lan\n', head), [
    'services.web.domainname: Podman sets no domain name (it has no such option), and web runs on dc1, a Podman site (remove domainname, or name the domain in extra_hosts or dns_search)',
  ]);
});

test('top-level volumes: a declared one is the project\'s own; name and external keep theirs; an undeclared one keeps its bare name, noted', () => {
  const spec = parse(`  db:
    image: postgres
    volumes: ["db_data:/var/lib/postgresql/data", "media:/media", "shared:/shared", "cache:/cache"]
volumes:
  db_data:
  media: { name: family-media }
  shared: { external: true }
  cache: { driver_opts: { type: tmpfs, device: tmpfs, o: size=64m }, labels: { tier: cache } }
`);
  assert.deepEqual(spec.services.db!.mounts, [
    { type: 'volume', source: 'shop_db_data', target: '/var/lib/postgresql/data', readOnly: false },
    { type: 'volume', source: 'family-media', target: '/media', readOnly: false },
    { type: 'volume', source: 'shared', target: '/shared', readOnly: false, external: true },
    { type: 'volume', source: 'shop_cache', target: '/cache', readOnly: false, volume: { driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=64m' }, labels: { tier: 'cache' } } },
  ]);
  assert.deepEqual(problems('  db:\n    image: postgres\n    volumes: ["data:/data"]\nvolumes:\n  other: {}\n'), [
    'services.db.volumes[0]: volume `data` is not declared under the top-level `volumes:` (add it there (volumes: { data: {} }), as Compose requires)',
  ]);
  // a declared volume with a bad entry is still declared: its own problem is the one reported
  assert.deepEqual(problems('  db:\n    image: postgres\n    volumes: ["data:/data", "logs:/logs"]\nvolumes:\n  data: { driver: 7 }\n  logs: {}\n'), [
    'volumes.data.driver: expected a string, found number 7',
  ]);
  const bare = parse('  db:\n    image: postgres\n    volumes: ["data:/data"]\n');
  assert.deepEqual([bare.services.db!.mounts[0]!.source, bare.notes?.map((n) => n.message)], ['data', ['volume `data` is used by its bare name, so another project on the site writing `data` shares it']]);
});

test("Compose's !reset and !override tags are honoured; any other unknown tag is refused", () => {
  const spec = parse(`  base: &base
    image: nginx
    ports: ["8080:80"]
    environment: { A: "1" }
    user: "1000"
  web:
    <<: *base
    ports: !reset []
    user: !reset
    environment: !override { B: "2" }
`);
  assert.deepEqual([spec.services.web!.ports, spec.services.web!.user, spec.services.web!.env], [[], undefined, { B: '2' }]);
  assert.throws(() => parse('  web:\n    image: !custom nginx\n'), (err: InvalidInputError) => (assert.match(err.issues[0]!.message, /Unresolved tag: !custom/), assert.equal(err.issues[0]!.hint, "turtle knows YAML's own tags and Compose's !reset and !override"), true));
});

test('an unset ${VAR} is blank, as in Compose, with one note per variable at its first use; ${VAR:?} stays required', () => {
  const spec = parse('  web:\n    image: nginx\n    environment: { A: "${PW}", B: "x${PW}y", C: "${OTHER}", D: "${SET:-d}" }\n    labels: { pw: "${PW}" }\n');
  assert.deepEqual(spec.services.web!.env, { A: '', B: 'xy', C: '', D: 'd' });
  assert.deepEqual(spec.notes?.map((n) => `${n.path}: ${n.message}`), [
    'services.web.environment.A: variable `PW` is not set, so it is blank here and in 2 other places, as in Compose',
    'services.web.environment.C: variable `OTHER` is not set, so it is blank here, as in Compose',
  ]);
  assert.deepEqual(problems('  web:\n    image: nginx\n    environment: { A: "${PW:?the database password}" }\n'), [
    'services.web.environment.A: variable `PW` is not set: the database password (set PW in the environment)',
  ]);
});
