// The real CLI driving two real agents (dc1 on Docker, dc2 on Podman) over mutual TLS: the same commands,
// output and exit codes as against the engines themselves, and every way reaching an agent can fail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initCa, issueCert } from '../../src/pki/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { compareLogTimes } from '../../src/client/index.js';
import type { ObservedContainer } from '../../src/domain/types.js';
import { engines, skipEngines, removeProject } from '../helpers/engines.js';
import { Workdir } from '../helpers/cli.js';
import { AgentFixture } from '../helpers/agent.js';
import { freePort } from '../helpers/ports.js';

interface Step {
  step: string;
  status: string;
  error?: string;
}
interface DeployJson {
  id: number;
  version: string;
  outcome: string;
  sites: { site: string; outcome: string; steps: Step[]; error?: string }[];
}

/** A stalled engine fails a test instead of hanging the suite (the after hooks still clean up). */
const LIMIT = { timeout: 180_000 };
const line = (s: Step) => `${s.step} ${s.status}${s.error ? `: ${s.error}` : ''}`;
// exits on TERM (sh as PID 1 would ignore it), so a stop or restart does not wait out the 10 s grace
const TICKER = `["sh", "-c", "trap 'exit 0' TERM; i=0; while true; do echo tick $$i; i=$$((i+1)); sleep 0.5; done"]`;

describe('turtle CLI through site agents (dc1 on Docker, dc2 on Podman)', { skip: skipEngines }, () => {
  const [docker, podman] = engines() as [ReturnType<typeof engines>[number], ReturnType<typeof engines>[number]];
  const project = `remote-${process.pid}`;
  const dc1 = new AgentFixture('dc1', docker.kind, docker.endpoint);
  const dc2 = new AgentFixture('dc2', podman.kind, podman.endpoint);
  const work = new Workdir();
  const identity = join(work.dir, 'identity');
  const observer = join(work.dir, 'observer');
  const rts = { dc1: createRuntime(docker), dc2: createRuntime(podman) };
  const url = (a: AgentFixture) => `https://127.0.0.1:${a.port}`;
  const site = (name: string, e: { kind: string; endpoint: string }, agent: string) =>
    `  ${name}: { runtime: ${e.kind}, engine: "${e.endpoint}", agent: "${agent}", capacity: { cpus: 2, memory: 2g }, budget: { cpu: 50, memory: 50 } }`;
  const spec = (sites: string) => `version: 1
project: ${project}
sites:
${sites}
services:
  web:
    image: turtle-test/web:1
  ticker:
    image: turtle-test/tools:1
    command: ${TICKER}
`;
  const both = () => spec(`${site('dc1', docker, url(dc1))}\n${site('dc2', podman, url(dc2))}`);
  const turtle = (args: string[], env: Record<string, string> = {}) => work.run(args, { TURTLE_IDENTITY: identity, ...env });
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await turtle([...args, '--json']);
    assert.notEqual(r.stdout, '', `turtle ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const mine = async (s: 'dc1' | 'dc2') => (await rts[s].list(project)).sort((a, b) => a.service.localeCompare(b.service));

  before(async () => {
    await dc1.init();
    // one CA for both agents, as on real sites: the operator's one certificate opens both
    await issueCert(dc1.caDir, { role: 'agent', name: 'dc2', hosts: ['127.0.0.1'], out: dc2.tlsDir });
    await issueCert(dc1.caDir, { role: 'operator', name: 'alice', out: identity });
    await issueCert(dc1.caDir, { role: 'observer', name: 'bob', out: observer });
    await Promise.all([dc1.start(), dc2.start()]);
    work.write(both());
  });
  after(async () => {
    await Promise.all([dc1.kill(), dc2.kill()]);
    // each engine on its own: a slow one must not leave the other's containers behind
    await Promise.allSettled((['dc1', 'dc2'] as const).map(async (s) => {
      await removeProject(rts[s], project);
    }));
    dc1.remove();
    dc2.remove();
    work.remove();
  });

  test('deploy pushes each site its containers, waits for its agent, and records the outcome', LIMIT, async () => {
    const r = await json<DeployJson>(['deploy']);
    assert.deepEqual(r.sites.map((s) => [s.site, s.outcome, s.steps.map(line), s.error]), [
      ['dc1', 'succeeded', [`create network ${project}_default done`, 'create ticker#1 (turtle-test/tools:1) done', 'create web#1 (turtle-test/web:1) done'], undefined],
      ['dc2', 'succeeded', [`create network ${project}_default done`, 'create ticker#1 (turtle-test/tools:1) done', 'create web#1 (turtle-test/web:1) done'], undefined],
    ]);
    assert.equal(r.outcome, 'succeeded');
    for (const s of ['dc1', 'dc2'] as const) {
      assert.deepEqual((await mine(s)).map((c) => `${c.site}/${c.service}#${c.replica}:${c.state}`), [`${s}/ticker#1:running`, `${s}/web#1:running`]);
    }
    const history = await json<{ id: number; outcome: string; sites: { site: string; outcome: string; steps: Step[] }[] }[]>(['history']);
    assert.deepEqual(history.map((d) => [d.id, d.outcome, d.sites.map((s) => `${s.site}:${s.outcome}:${s.steps.length}`)]), [[r.id, 'succeeded', ['dc1:succeeded:3', 'dc2:succeeded:3']]]);
  });

  test('ps lists what the agents report, as it does from the engines', LIMIT, async () => {
    const ps = await json<ObservedContainer[]>(['ps']);
    const expected = [...(await mine('dc1')), ...(await mine('dc2'))];
    assert.deepEqual(ps.map((c) => [c.site, c.service, c.replica, c.id, c.state]), expected.map((c) => [c.site, c.service, c.replica, c.id, c.state]));
    const text = await turtle(['ps', '--site', 'dc2']);
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(text.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 5).join(' ')), [
      'SITE SERVICE REPLICA STATE HEALTH',
      'dc2 ticker 1 running -',
      'dc2 web 1 running -',
    ]);
  });

  test('plan through the agents: nothing to do', LIMIT, async () => {
    const r = await turtle(['plan']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'dc1: up to date\ndc2: up to date\n', '']);
  });

  test('restart, stop and start act through the agent; a stop is kept by later deploys', LIMIT, async () => {
    const before = (await mine('dc1')).find((c) => c.service === 'web')!;
    const restart = await turtle(['restart', 'web', '--site', 'dc1']);
    assert.deepEqual([restart.code, restart.stdout, restart.stderr], [0, 'dc1/web: restarted (1 containers)\n', '']);
    const now = (await mine('dc1')).find((c) => c.service === 'web')!;
    assert.equal(now.id, before.id);
    assert.equal(now.state, 'running');
    assert.notEqual(now.startedAt, before.startedAt);

    const stop = await turtle(['stop', 'ticker', '--site', 'dc2']);
    assert.deepEqual([stop.code, stop.stdout, stop.stderr], [0, 'dc2/ticker: stopped (1 containers)\n', '']);
    assert.deepEqual((await mine('dc2')).map((c) => `${c.service}:${c.state}`), ['ticker:exited', 'web:running']);
    const again = await json<DeployJson>(['deploy']);
    assert.deepEqual([again.outcome, again.sites.map((s) => s.steps.length)], ['no-op', [0, 0]]);
    assert.deepEqual((await mine('dc2')).map((c) => `${c.service}:${c.state}`), ['ticker:exited', 'web:running']);
    const start = await turtle(['start', 'ticker', '--site', 'dc2']);
    assert.deepEqual([start.code, start.stdout, start.stderr], [0, 'dc2/ticker: started (1 containers)\n', '']);
    assert.deepEqual((await mine('dc2')).map((c) => `${c.service}:${c.state}`), ['ticker:running', 'web:running']);
  });

  test('logs --site all merges both agents\' lines in time order', LIMIT, async () => {
    const r = await turtle(['logs', 'ticker', '--site', 'all', '-n', '5', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { source: string; time: string; stream: string; text: string });
    assert.deepEqual(lines.map((l) => Object.keys(l)), lines.map(() => ['source', 'time', 'stream', 'text']));
    assert.deepEqual(['dc1/ticker#1', 'dc2/ticker#1'].map((s) => lines.filter((l) => l.source === s).length), [5, 5]);
    assert.ok(lines.every((l) => l.stream === 'stdout' && /^tick \d+$/.test(l.text)), r.stdout);
    assertInOrder(lines.map((l) => l.time));
    const text = await turtle(['logs', 'ticker', '-n', '1', '--site', 'dc1']);
    assert.match(text.stdout, /^dc1\/ticker#1 \d{4}-\d\d-\d\dT[\d:.]+Z \| tick \d+\n$/);
  });

  test('logs --follow follows both agents, merged in time order, until interrupted', LIMIT, async () => {
    const child = spawn(process.execPath, [resolve('bin/turtle.js'), '-f', work.spec, 'logs', '-f', '-n', '2', 'ticker'], {
      env: { ...process.env, TURTLE_STATE: join(work.dir, 'state.db'), TURTLE_IDENTITY: identity },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    // 2 lines of backlog from each, then the new ones: wait for 4 lines from each site (or the command's end)
    const enough = new Promise<void>((ok) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const got = out.split('\n').filter(Boolean);
        if (['dc1/', 'dc2/'].every((s) => got.filter((l) => l.startsWith(s)).length >= 4)) ok();
      });
    });
    try {
      await Promise.race([enough, exited]);
      assert.equal(child.exitCode, null, `logs --follow ended by itself: ${err}`);
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const got = out.trim().split('\n');
    assertInOrder(got.map((l) => l.split(' ')[1]!));
    assert.ok(got.every((l) => /^dc[12]\/ticker#1 \S+ \| tick \d+$/.test(l)), out);
  });

  test('top --json reads each agent\'s host, containers and governor', LIMIT, async () => {
    const top = await json<{ host: Host; hosts: (Host & { sites: string[] })[]; containers: { site: string; service: string; replica: number; stats: { memoryBytes: number } }[]; governors: unknown }>(['top']);
    assert.deepEqual(top.containers.map((c) => `${c.site}/${c.service}#${c.replica}`), ['dc1/ticker#1', 'dc1/web#1', 'dc2/ticker#1', 'dc2/web#1']);
    assert.ok(top.containers.every((c) => c.stats.memoryBytes > 0), JSON.stringify(top.containers));
    assert.deepEqual(top.hosts.map((h) => h.sites), [['dc1'], ['dc2']]);
    for (const h of [top.host, ...top.hosts]) {
      assert.ok(h.cpus >= 1 && h.memTotalBytes > h.memAvailableBytes && h.memAvailableBytes > 0 && h.cpuPercent >= 0, JSON.stringify(h));
    }
    assert.deepEqual(top.governors, [{ site: 'dc1', governor: null }, { site: 'dc2', governor: null }]);
    const one = await json<{ host: Host; hosts?: unknown }>(['top', '--site', 'dc1']);
    assert.equal(one.hosts, undefined);
    const text = await turtle(['top', '--once', '--site', 'dc1']);
    // these agents run without the governor (TURTLE_GOVERNOR=off): each says so
    assert.match(text.stdout, /^host    cpu [\d.]+% of \d+%   memory \S+ used of \S+\nturtle  cpu [\d.]+% \([\d.]+% of host\)   memory \S+ \([\d.]+% of host\)\ngovernor dc1  off: kernel weights only\n\nSITE/);
  });

  test('an unchanged spec deploys as a no-op on both agents', LIMIT, async () => {
    const r = await json<DeployJson>(['deploy']);
    assert.deepEqual([r.outcome, r.sites.map((s) => [s.site, s.outcome, s.steps.length])], ['no-op', [['dc1', 'no-op', 0], ['dc2', 'no-op', 0]]]);
    const text = await turtle(['deploy']);
    assert.deepEqual([text.code, text.stdout], [0, `deployment ${r.id + 1} (version ${r.version.slice(0, 12)}): no-op (dc1 no-op, dc2 no-op)\n`]);
    assert.equal(text.stderr, [
      `  dc1: waiting for the agent at ${url(dc1)} to converge`, 'dc1: up to date',
      `  dc2: waiting for the agent at ${url(dc2)} to converge`, 'dc2: up to date', '',
    ].join('\n'));
  });

  test('a failing reconcile fails the deploy with the agent\'s reason; the running version keeps running', LIMIT, async () => {
    const before = (await mine('dc1')).find((c) => c.service === 'web')!;
    work.write(both().replace('image: turtle-test/web:1', 'image: turtle-test/web:404'));
    try {
      const r = await turtle(['deploy', '--site', 'dc1']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^dc1: failed after [\d.]+s: image turtle-test\/web:404 is not on site dc1 and could not be pulled: /m);
      assert.match(r.stderr, /^hint: the agent keeps retrying; see its events \(GET https:\/\/127\.0\.0\.1:\d+\/v1\/events\) or fix the spec and deploy again$/m);
      const now = (await mine('dc1')).find((c) => c.service === 'web')!;
      assert.deepEqual([now.id, now.state], [before.id, 'running']);
    } finally {
      work.write(both());
    }
    const fixed = await json<DeployJson>(['deploy', '--site', 'dc1']);
    assert.equal(fixed.outcome, 'no-op', JSON.stringify(fixed));
  });

  describe('when reaching an agent fails', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'turtle-remote-'));
    after(() => rmSync(scratch, { recursive: true, force: true }));

    test('no identity: says where it looked and how to make one (exit 1)', LIMIT, async () => {
      const empty = join(scratch, 'none');
      const r = await turtle(['ps'], { TURTLE_IDENTITY: empty });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, [
        `error: site dc1 is reached through its agent, but there is no identity in ${empty} ($TURTLE_IDENTITY): cert.pem, key.pem, ca.pem missing`,
        `hint: issue an operator certificate once: turtle ca issue --role operator --name <you> --out ${join(homedir(), '.config/turtle/identity')} (or pass --identity DIR, or set TURTLE_IDENTITY)`,
        '',
      ].join('\n'));
      const flag = await turtle(['--identity', join(scratch, 'flag'), 'ps'], { TURTLE_IDENTITY: identity });
      assert.match(flag.stderr, new RegExp(`^error: site dc1 is reached through its agent, but there is no identity in ${join(scratch, 'flag')} \\(--identity\\)`));
    });

    test('the default location ~/.config/turtle/identity is used when nothing else is said', LIMIT, async () => {
      const home = join(scratch, 'home');
      await issueCert(dc1.caDir, { role: 'operator', name: 'carol', out: join(home, '.config', 'turtle', 'identity') });
      const r = await work.run(['ps', '--site', 'dc1'], { HOME: home, TURTLE_IDENTITY: '' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^SITE/);
    });

    test('an observer certificate reads, but a change is refused with the agent\'s 403 (exit 1)', LIMIT, async () => {
      const ps = await turtle(['ps'], { TURTLE_IDENTITY: observer });
      assert.equal(ps.code, 0, ps.stderr);
      const restart = await turtle(['restart', 'web', '--site', 'dc1'], { TURTLE_IDENTITY: observer });
      assert.deepEqual([restart.code, restart.stderr], [1, [
        `error: site dc1: the agent at ${url(dc1)} answered 403: role observer may not act on a service`,
        `hint: your identity in ${observer} is an observer certificate, which may only read: use an operator's (turtle ca issue --role operator --name <you>)`,
        '',
      ].join('\n')]);
      // refused when it asks for the site's deployment lease: before anything is pushed or recorded
      const deploy = await turtle(['deploy', '--site', 'dc1'], { TURTLE_IDENTITY: observer });
      assert.deepEqual([deploy.code, deploy.stderr], [1, [
        `error: site dc1: the agent at ${url(dc1)} answered 403: role observer may not take the deployment lease`,
        `hint: your identity in ${observer} is an observer certificate, which may only read: use an operator's (turtle ca issue --role operator --name <you>)`,
        '',
      ].join('\n')]);
    });

    test('an agent that does not answer: site and URL, exit 4', LIMIT, async () => {
      const port = await freePort();
      const w = new Workdir();
      try {
        w.write(spec(site('dc1', docker, `https://127.0.0.1:${port}`)));
        const r = await w.run(['ps'], { TURTLE_IDENTITY: identity });
        assert.deepEqual([r.code, r.stderr], [4, [
          `error: site dc1: the agent at https://127.0.0.1:${port} is unreachable (connect ECONNREFUSED 127.0.0.1:${port})`,
          'hint: check that `turtle agent --site dc1` runs there and listens on that address, and that sites.dc1.agent in the spec is right',
          '',
        ].join('\n')]);
        const d = await w.run(['deploy'], { TURTLE_IDENTITY: identity });
        assert.equal(d.code, 4);
        assert.match(d.stderr, new RegExp(`^dc1: failed after [\\d.]+s: site dc1: the agent at https://127.0.0.1:${port} is unreachable`, 'm'));
      } finally {
        w.remove();
      }
    });

    test('an agent whose certificate comes from another CA is not trusted (exit 4)', LIMIT, async () => {
      const otherCa = join(scratch, 'other-ca');
      await initCa(otherCa);
      const stranger = join(scratch, 'stranger');
      await issueCert(otherCa, { role: 'operator', name: 'mallory', out: stranger });
      const r = await turtle(['ps', '--site', 'dc1'], { TURTLE_IDENTITY: stranger });
      assert.deepEqual([r.code, r.stderr], [4, [
        `error: site dc1: the agent at ${url(dc1)} presented a certificate your identity does not trust (certificate signature failure)`,
        `hint: ${stranger}/ca.pem must be the CA that issued the agent's certificate: issue your operator certificate from that CA`,
        '',
      ].join('\n')]);
    });

    test('an agent URL with a host its certificate does not name (exit 4)', LIMIT, async () => {
      const w = new Workdir();
      try {
        w.write(spec(site('dc1', docker, `https://localhost:${dc1.port}`)));
        const r = await w.run(['ps'], { TURTLE_IDENTITY: identity });
        assert.equal(r.code, 4, r.stderr);
        assert.equal(r.stderr, [
          `error: site dc1: the agent at https://localhost:${dc1.port} presented a certificate for another host (Hostname/IP does not match certificate's altnames: Host: localhost. is not cert's CN: dc1)`,
          "hint: use the address its certificate names in sites.dc1.agent, or reissue the agent's certificate: turtle ca issue --role agent --name dc1 --host <that address>",
          '',
        ].join('\n'));
      } finally {
        w.remove();
      }
    });

    test('an agent that refuses the request shows its JSON error (a site pointed at another site\'s agent, exit 1)', LIMIT, async () => {
      const w = new Workdir();
      try {
        w.write(spec(site('dc9', docker, url(dc1))));
        const r = await w.run(['deploy'], { TURTLE_IDENTITY: identity });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`^dc9: failed after [\\d.]+s: site dc9: the agent at ${url(dc1)} answered 400: invalid desired state \\(containers\\.0\\.site: is dc9, but this agent runs site dc1; containers\\.1\\.site: is dc9, but this agent runs site dc1\\)$`, 'm'));
        assert.match(r.stderr, /^hint: check that sites\.dc9\.agent is that site's agent, and that turtle and the agent are of the same version$/m);
      } finally {
        w.remove();
      }
    });
  });
});

interface Host {
  cpuPercent: number;
  cpus: number;
  memTotalBytes: number;
  memAvailableBytes: number;
}

/** In order to the precision the engines give: Podman 4.3 stamps whole seconds, Docker nanoseconds. */
function assertInOrder(times: string[]): void {
  const seconds = (t: string) => t.replace(/\.\d+/, '');
  const exact = (t: string) => /\.\d+/.test(t);
  for (let i = 1; i < times.length; i++) {
    const [a, b] = [times[i - 1]!, times[i]!];
    const order = exact(a) && exact(b) ? compareLogTimes(a, b) : compareLogTimes(seconds(a), seconds(b));
    assert.ok(order <= 0, `line ${i}: ${a} after ${b}\n${times.join('\n')}`);
  }
}
