// Secrets of turtle's store end to end, through the real CLI: dc1 through its agent (Docker), dc2 driven from
// here (Podman). Refused before any change while unset; delivered as files with their owner and mode, or as
// a variable; a rotation replaces only the readers; and the values are found nowhere turtle writes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueCert } from '../../src/pki/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { ObservedContainer } from '../../src/domain/types.js';
import { engines, engineRequest, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { AgentFixture, api } from '../helpers/agent.js';

const LIMIT = { timeout: 180_000 };
const ENGINE_DATA = process.env.TURTLE_ENGINES_DATA ?? '/var/lib/turtle-test';
const LOOP = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`;

describe('secrets of turtle\'s store (dc1: agent on Docker, dc2: Podman driven from here)', { skip: skipEngines }, () => {
  const [docker, podman] = engines() as [ReturnType<typeof engines>[number], ReturnType<typeof engines>[number]];
  const project = `secrets-${process.pid}`;
  const dc1 = new AgentFixture('dc1', docker.kind, docker.endpoint);
  const work = new Workdir();
  const identity = join(work.dir, 'identity');
  const shm = mkdtempSync('/dev/shm/turtle-secrets-it-');
  const rts = { dc1: createRuntime(docker), dc2: createRuntime(podman) };
  const endpoint = { dc1: docker.endpoint, dc2: podman.endpoint };
  const env = { TURTLE_IDENTITY: identity, TURTLE_SECRETS_DIR: join(shm, 'cli') };
  const turtle = (args: string[], input?: string) => work.run(args, env, false, input);
  const mine = async (s: 'dc1' | 'dc2'): Promise<ObservedContainer[]> => (await rts[s].list(project)).sort((a, b) => a.service.localeCompare(b.service));
  const running = async (s: 'dc1' | 'dc2', service: string) => (await mine(s)).find((c) => c.service === service && c.state === 'running');
  /** true when `script` exits 0 in the service's running container */
  const inside = async (s: 'dc1' | 'dc2', service: string, script: string) => (await rts[s].exec((await running(s, service))!.id, ['sh', '-c', script], 10_000)) === 0;
  const canaries = new Set<string>();
  /** a value as a shell word that does not spell it (an exec's command line is kept in Podman's database) */
  const word = (v: string) => `"${v.slice(0, 4)}""${v.slice(4)}"`;
  const value = (v: string) => (canaries.add(v), `${v}\n`);

  before(async () => {
    await dc1.init();
    await issueCert(dc1.caDir, { role: 'operator', name: 'alice', out: identity });
    await dc1.start({ TURTLE_AGENT_SECRETS: join(shm, 'agent') });
    work.write(specText());
  });
  const specText = (appHealth = '') => `version: 1
project: ${project}
sites:
  dc1: { runtime: docker, engine: "${docker.endpoint}", agent: "https://127.0.0.1:${dc1.port}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
  dc2: { runtime: podman, engine: "${podman.endpoint}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }
services:
  app:
    image: turtle-test/tools:1
    command: ${LOOP}
    user: "0:0"
    secrets: [db, { source: db, target: /etc/app/db, uid: 1000, gid: 1001, mode: 0440 }]
    environment: { DB_PASSWORD_FILE: /run/secrets/db, TOKEN: { secret: token } }${appHealth}
  web:
    image: turtle-test/web:1
secrets:
  db: { external: true }
  token: { external: true }
rollout: { bake: 1s }
`;
  after(async () => {
    await dc1.kill();
    await Promise.allSettled((['dc1', 'dc2'] as const).map((s) => removeProject(rts[s], project)));
    dc1.remove();
    work.remove();
    rmSync(shm, { recursive: true, force: true });
  });

  test('a deploy with secrets not set is refused before any site changes, naming each site and secret', LIMIT, async () => {
    const r = await turtle(['deploy']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error: no site was changed:\n {2}dc1: secret `db` \(read by app\) is not set for dc1\n {2}dc1: secret `token` \(read by app\) is not set for dc1\n {2}dc2: secret `db` \(read by app\) is not set for dc2\n {2}dc2: secret `token` \(read by app\) is not set for dc2\n/);
    assert.match(r.stderr, /hint: turtle secret set db --site dc1 < FILE; turtle secret set token --site dc1 < FILE; turtle secret set db --site dc2 < FILE; turtle secret set token --site dc2 < FILE/);
    assert.deepEqual([...await mine('dc1'), ...await mine('dc2')], []);
    assert.deepEqual(JSON.parse((await turtle(['history', '--json'])).stdout), []);
  });

  test('secret set seals the value to each site (the agent\'s key, and this machine\'s for dc2) and ls shows names, never values', LIMIT, async () => {
    const set = await turtle(['secret', 'set', 'db'], value('canary-db-one'));
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, /note: made the project's hash key .*turtle\.secrets\/hash\.key: commit it/);
    assert.match(set.stdout, /^dc1: secret db set \(sha256:[0-9a-f]{12}\), sealed to age1[a-z0-9]{8}… in .*turtle\.secrets\/dc1\.yaml\ndc2: secret db set/);
    assert.equal((await turtle(['secret', 'set', 'token'], value('canary-token-one'))).code, 0);
    const ls = JSON.parse((await turtle(['secret', 'ls', '--json'])).stdout) as { secret: string; site: string; state: string; readBy: string[] }[];
    assert.deepEqual(ls.map((r) => `${r.site}:${r.secret}:${r.state}:${r.readBy.join(',')}`), ['dc1:db:set:app', 'dc1:token:set:app', 'dc2:db:set:app', 'dc2:token:set:app']);
    // dc1's file is sealed to its agent's key, dc2's to the key beside the store
    const recipient = (site: string) => /recipient: (age1\S+)/.exec(readFileSync(join(work.dir, 'turtle.secrets', `${site}.yaml`), 'utf8'))![1];
    assert.equal(recipient('dc1'), /public key: (age1\S+)\)/.exec(readFileSync(join(dc1.tlsDir, 'age.key'), 'utf8'))![1]);
    assert.equal(statSync(join(dc1.tlsDir, 'age.key')).mode & 0o777, 0o600);
    assert.equal(recipient('dc2'), /public key: (age1\S+)\)/.exec(readFileSync(join(work.dir, 'keys', 'dc2.age'), 'utf8'))![1]);
    const empty = await turtle(['secret', 'set', 'db'], '');
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /error: no value for secret db on stdin/);
  });

  test('deploy delivers each file with its owner and mode, and the variable; the engine\'s config holds no file value', LIMIT, async () => {
    const r = await turtle(['deploy']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match((await turtle(['history', '1'])).stdout, /^deployment 1: succeeded \(deploy by operator alice, started /);
    for (const s of ['dc1', 'dc2'] as const) {
      assert.equal(await inside(s, 'app', `[ "$(cat /run/secrets/db)" = ${word('canary-db-one')} ] && [ "$(cat /etc/app/db)" = ${word('canary-db-one')} ]`), true, `${s}: the files hold the value`);
      assert.equal(await inside(s, 'app', 'set -- $(ls -ln /run/secrets/db); [ "$1 $3 $4" = "-r-------- 0 0" ] && set -- $(ls -ln /etc/app/db) && [ "$1 $3 $4" = "-r--r----- 1000 1001" ]'), true, `${s}: owner and mode`);
      assert.equal(await inside(s, 'app', `[ "$TOKEN" = ${word('canary-token-one')} ] && [ "$DB_PASSWORD_FILE" = /run/secrets/db ]`), true, `${s}: the variables`);
      assert.equal(await inside(s, 'app', 'echo x > /run/secrets/db'), false, `${s}: read-only`);
      const inspect = JSON.stringify((await engineRequest(endpoint[s], 'GET', `/containers/${(await running(s, 'app'))!.id}/json`)).body);
      assert.equal(inspect.includes('canary-db'), false, `${s}: docker inspect shows no file value`);
      assert.equal(inspect.includes('canary-token-one'), true, `${s}: the variable is in inspect, as the validation note says`);
    }
    // dc1's files are in the agent's tmpfs folder, dc2's in this machine's
    assert.equal(readdirSync(join(shm, 'agent', 'dc1', project, 'app')).length, 1);
    assert.equal(readdirSync(join(shm, 'cli', 'dc2', project, 'app')).length, 1);
  });

  test('a rotation reaches the readers at the next deploy and replaces only them; the old files go', LIMIT, async () => {
    const before = { dc1: await mine('dc1'), dc2: await mine('dc2') };
    assert.equal((await turtle(['secret', 'set', 'db'], value('canary-db-two'))).code, 0);
    const r = await turtle(['deploy']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    for (const s of ['dc1', 'dc2'] as const) {
      const now = await mine(s);
      assert.notEqual(now.find((c) => c.service === 'app')!.id, before[s].find((c) => c.service === 'app')!.id, `${s}: app replaced`);
      assert.equal(now.find((c) => c.service === 'web')!.id, before[s].find((c) => c.service === 'web')!.id, `${s}: web kept`);
      assert.equal(await inside(s, 'app', `[ "$(cat /run/secrets/db)" = ${word('canary-db-two')} ]`), true, `${s}: the new value`);
    }
    assert.deepEqual(readdirSync(join(shm, 'agent', 'dc1', project, 'app')), [(await running('dc1', 'app'))!.name]);
    assert.deepEqual(readdirSync(join(shm, 'cli', 'dc2', project, 'app')), [(await running('dc2', 'app'))!.name]);
  });

  test('a secret removed for a site fails the next deploy there before any change', LIMIT, async () => {
    const rm = await turtle(['secret', 'rm', 'token', '--site', 'dc2']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stderr, /note: dc2\/app still read it: their next deploy fails until it is set again/);
    const ids = (await mine('dc2')).map((c) => c.id);
    const r = await turtle(['deploy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: no site was changed:\n {2}dc2: secret `token` \(read by app\) is not set for dc2\n/);
    assert.deepEqual((await mine('dc2')).map((c) => c.id), ids);
  });

  test('a failed deploy with a new value goes back to the old value on every site, and a rollback brings an older one back', LIMIT, async () => {
    assert.equal((await turtle(['secret', 'set', 'token', '--site', 'dc2'], value('canary-token-two'))).code, 0);
    assert.equal((await turtle(['deploy'])).code, 0);
    const good = { dc1: (await running('dc1', 'app'))!.id, dc2: (await running('dc2', 'app'))!.id };
    assert.equal((await turtle(['secret', 'set', 'db'], value('canary-db-three'))).code, 0);
    work.write(specText('\n    healthcheck: { test: ["CMD", "false"], interval: 1s, timeout: 1s, retries: 1 }'));
    const failed = await turtle(['deploy']);
    assert.equal(failed.code, 3, failed.stderr + failed.stdout);
    assert.match(failed.stderr, /every site it changed is back on its previous version/);
    for (const s of ['dc1', 'dc2'] as const) {
      assert.equal((await running(s, 'app'))?.id, good[s], `${s}: the container from before`);
      assert.equal(await inside(s, 'app', `[ "$(cat /run/secrets/db)" = ${word('canary-db-two')} ]`), true, `${s}: the value from before`);
    }
    work.write(specText());
    assert.equal((await turtle(['deploy'])).code, 0);
    assert.equal(await inside('dc1', 'app', `[ "$(cat /run/secrets/db)" = ${word('canary-db-three')} ]`), true);
    const back = await turtle(['rollback']);
    assert.equal(back.code, 0, back.stderr + back.stdout);
    for (const s of ['dc1', 'dc2'] as const) assert.equal(await inside(s, 'app', `[ "$(cat /run/secrets/db)" = ${word('canary-db-two')} ]`), true, `${s}: the rolled-back value`);
  });

  test('audit asks each site (the agent, the engine) about the images and gates CI with --fail-on', LIMIT, async () => {
    const r = await turtle(['audit', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const found = JSON.parse(r.stdout) as { severity: string; service?: string; check: string; sites: string[]; message: string }[];
    const line = (f: (typeof found)[number]) => `${f.severity} ${f.service ?? '-'} ${f.check} ${f.sites.join(',')}`;
    // web sets no user: both sites read the image's (root), and that it has no health check of its own
    assert.deepEqual(found.filter((f) => f.service === 'web').map(line), ['medium web no-limits dc1,dc2', 'medium web root dc1,dc2', 'low web no-digest dc1,dc2', 'low web no-healthcheck dc1,dc2', 'low web writable-root dc1,dc2']);
    assert.equal(found.find((f) => f.service === 'web' && f.check === 'root')!.message, 'runs as root (the image says so, and the spec sets no user)');
    assert.deepEqual(found.filter((f) => f.service === 'app').map(line), ['medium app no-limits dc1,dc2', 'medium app root dc1,dc2', 'medium app secret-in-env dc1,dc2', 'low app no-digest dc1,dc2', 'low app no-healthcheck dc1,dc2', 'low app writable-root dc1,dc2']);
    const gate = await turtle(['audit', '--fail-on', 'medium']);
    assert.equal(gate.code, 2);
    assert.match(gate.stdout, /^medium  app +no-limits/m);
    assert.match(gate.stderr, /error: \d+ finding\(s\) at medium or above\nhint: fix them/);
    assert.equal((await turtle(['audit', '--fail-on', 'high'])).code, 0);
    const bad = await turtle(['audit', '--fail-on', 'severe']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--fail-on <severity>' argument 'severe' is invalid\. expected one of low, medium, high/);
    // the route: readers only, refs checked
    const observer = await dc1.identity('observer', 'auditor');
    const facts = await api(dc1.port, observer, 'GET', '/v1/images?refs=turtle-test/web:1,nope/absent:1');
    assert.equal(facts.status, 200, facts.text);
    const images = (JSON.parse(facts.text) as { images: { ref: string; id?: string; missing?: true }[] }).images;
    assert.deepEqual(images.map((i) => [i.ref, /^sha256:[0-9a-f]{64}$/.test(i.id ?? ''), i.missing ?? false]), [['turtle-test/web:1', true, false], ['nope/absent:1', false, true]]);
    assert.equal((await api(dc1.port, observer, 'GET', '/v1/images')).status, 400);
    assert.equal((await api(dc1.port, observer, 'GET', '/v1/images?refs=a%0Ab')).status, 400);
    assert.equal((await api(dc1.port, await dc1.identity('peer', 'dc9'), 'GET', '/v1/images?refs=turtle-test/web:1')).status, 403);
  });

  test('a container turtle did not start is reported: an event and the observed state on the agent, and turtle status on both kinds of site', LIMIT, async () => {
    const name = `${project}-intruder`;
    const made = await Promise.all((['dc1', 'dc2'] as const).map(async (s) => {
      const r = await engineRequest(endpoint[s], 'POST', `/containers/create?name=${name}`, { Image: 'turtle-test/tools:1', Cmd: ['true'] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return (r.body as { Id: string }).Id;
    }));
    try {
      const operator = await dc1.identity('operator', 'incident');
      // a reconcile is followed by a look for containers turtle did not start
      assert.equal((await api(dc1.port, operator, 'GET', '/v1/observed?wait=1')).status, 200);
      let reported: { type: string; message: string; data?: { id?: string } } | undefined;
      for (let i = 0; i < 40 && !reported; i++) {
        const { events } = JSON.parse((await api(dc1.port, operator, 'GET', '/v1/events?after=0&limit=10000')).text) as { events: { type: string; message: string; data?: { id?: string } }[] };
        reported = events.find((e) => e.type === 'foreign.container' && e.data?.id === made[0]);
        if (!reported) await new Promise((r) => setTimeout(r, 250));
      }
      assert.match(reported?.message ?? 'not reported', new RegExp(`^a container turtle did not start is on dc1: ${name} \\(turtle-test/tools:1, created, created \\d{4}-`));
      const observed = JSON.parse((await api(dc1.port, operator, 'GET', '/v1/observed')).text) as { foreign: { name: string }[] };
      assert.ok(observed.foreign.some((c) => c.name === name));
      const status = JSON.parse((await turtle(['status', '--json'])).stdout) as { sites: { site: string; foreign?: { name: string }[] }[] };
      assert.deepEqual(status.sites.map((x) => [x.site, (x.foreign ?? []).some((c) => c.name === name)]), [['dc1', true], ['dc2', true]]);
      const human = await turtle(['status']);
      assert.match(human.stdout, new RegExp(`\n  not turtle's: ${name} \\(`));
      // reported once: another reconcile says nothing new
      await api(dc1.port, operator, 'GET', '/v1/observed?wait=1');
      await new Promise((r) => setTimeout(r, 500));
      const { events } = JSON.parse((await api(dc1.port, operator, 'GET', '/v1/events?after=0&limit=10000')).text) as { events: { type: string; data?: { id?: string } }[] };
      assert.equal(events.filter((e) => e.type === 'foreign.container' && e.data?.id === made[0]).length, 1);
    } finally {
      await Promise.all((['dc1', 'dc2'] as const).map((s, i) => engineRequest(endpoint[s], 'DELETE', `/containers/${made[i]}?force=true`)));
    }
  });

  test('no value, in any form, in the stores, their WAL, the spec cache, the agent\'s API, the CLI\'s output or the engines\' files', LIMIT, async () => {
    const forms = [...canaries].map((c) => c.trim()).flatMap((c) => [c, Buffer.from(c).toString('base64').replace(/=+$/, ''), JSON.stringify(c).slice(1, -1)]);
    const found: string[] = [];
    const search = (where: string, text: string | Buffer) => {
      const s = typeof text === 'string' ? text : text.toString('latin1');
      for (const f of forms) if (s.includes(f)) found.push(`${where}: ${f}`);
    };
    const walk = (dir: string, skip: (path: string) => boolean = () => false) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (skip(path)) continue;
        if (entry.isDirectory()) walk(path, skip);
        else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024) search(path, readFileSync(path));
      }
    };
    walk(work.dir); // state.db and its -wal, spec-cache.json, turtle.secrets/, keys/
    walk(dc1.dir); // agent.db and its -wal, its TLS folder
    // the engines' own records of each container (config.v2.json, hostconfig.json; Podman's config.json and
    // its database), the variable excepted: the spec asked for it
    const tokenless = forms.filter((f) => !/token|dG9rZW4/.test(f));
    const engineFiles: string[] = [];
    const collect = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) collect(path);
        else if (/\.(json|db)$/.test(entry.name)) engineFiles.push(path);
      }
    };
    collect(join(ENGINE_DATA, 'docker', 'containers'));
    collect(join(ENGINE_DATA, 'podman', 'overlay-containers'));
    collect(join(ENGINE_DATA, 'podman', 'libpod'));
    assert.ok(engineFiles.length > 0, 'the engines\' files were found');
    for (const path of engineFiles) {
      const s = readFileSync(path).toString('latin1');
      for (const f of tokenless) if (s.includes(f)) found.push(`${path}: ${f}`);
    }
    const operator = await dc1.identity('operator', 'sweeper');
    const observer = await dc1.identity('observer', 'watcher');
    for (const [who, id] of [['operator', operator], ['observer', observer]] as const) {
      for (const path of ['/v1/desired', '/v1/observed', '/v1/events?after=0']) search(`agent ${path} (${who})`, (await api(dc1.port, id, 'GET', path)).text);
      assert.equal((await api(dc1.port, id, 'GET', '/v1/desired')).text.includes('BEGIN AGE') , who === 'operator', `${who} sees the sealed values only as an operator`);
    }
    for (const args of [['ps', '--json'], ['status', '--json'], ['history', '--json'], ['validate', '--json'], ['plan', '--json'], ['drift', '--json'], ['secret', 'ls'], ['audit', '--json'], ['logs', 'app', '--tail', '50']]) {
      const r = await turtle(args);
      search(`turtle ${args.join(' ')}`, r.stdout + r.stderr);
    }
    assert.deepEqual(found, []);
  });
});
