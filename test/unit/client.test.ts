// The agent client's pure parts: failures turned into messages, reconcile events into step records,
// where the identity is looked for, and log lines merged in time order.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { answerError, connectionError, type AgentRef } from '../../src/client/_errors.js';
import { fromLine, reconcileRecords } from '../../src/client/_reconcile.js';
import { AgentClient, afterOurs } from '../../src/client/agent.js';
import { parseDesired } from '../../src/agent/api/_validate.js';
import { collectInOrder, compareLogTimes, followInOrder, identityDir, loadIdentity, type LabelledLine, type LogSource } from '../../src/client/index.js';
import { ExitCode, TurtleError } from '../../src/lib/errors.js';

const ref: AgentRef = { site: 'dc1', url: 'https://10.0.0.1:7443', identityDir: '/home/al/.config/turtle/identity', role: 'operator' };
const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('connectionError', () => {
  const cases: [string, string, string, string][] = [
    ['ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:7443',
      'site dc1: the agent at https://10.0.0.1:7443 is unreachable (connect ECONNREFUSED 10.0.0.1:7443)',
      'check that `turtle agent --site dc1` runs there and listens on that address, and that sites.dc1.agent in the spec is right'],
    ['ETIMEDOUT', 'no answer in time',
      'site dc1: the agent at https://10.0.0.1:7443 is unreachable (no answer in time)',
      'check that `turtle agent --site dc1` runs there and listens on that address, and that sites.dc1.agent in the spec is right'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 10.0.0.2",
      "site dc1: the agent at https://10.0.0.1:7443 presented a certificate for another host (Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 10.0.0.2)",
      "use the address its certificate names in sites.dc1.agent, or reissue the agent's certificate: turtle ca issue --role agent --name dc1 --host <that address>"],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate',
      'site dc1: the agent at https://10.0.0.1:7443 presented a certificate your identity does not trust (unable to verify the first certificate)',
      "/home/al/.config/turtle/identity/ca.pem must be the CA that issued the agent's certificate: issue your operator certificate from that CA"],
    ['CERT_HAS_EXPIRED', 'certificate has expired',
      'site dc1: the agent at https://10.0.0.1:7443 presented a certificate that is not valid now (certificate has expired)',
      "reissue the agent's certificate, or check the clocks of both machines"],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca',
      'site dc1: the agent at https://10.0.0.1:7443 refused your certificate (/home/al/.config/turtle/identity/cert.pem: tlsv1 alert unknown ca)',
      'the agent trusts only certificates from its own CA: issue one there with turtle ca issue --role operator --name <you> --out /home/al/.config/turtle/identity'],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED', 'sslv3 alert certificate revoked',
      'site dc1: the agent at https://10.0.0.1:7443 refused your certificate: it was revoked (/home/al/.config/turtle/identity/cert.pem)',
      'issue a new one: turtle ca issue --role operator --name <another name>'],
  ];
  for (const [code, detail, message, hint] of cases) {
    test(code, () => {
      const err = connectionError(ref, coded(code, detail));
      assert.deepEqual([err.message, err.hint, err.exitCode], [message, hint, ExitCode.unreachable]);
    });
  }
});

describe('answerError', () => {
  test('403 to an observer certificate says it may only read (exit 1)', () => {
    const err = answerError({ ...ref, role: 'observer' }, 403, { error: 'role observer may not replace desired state' });
    assert.deepEqual([err.message, err.hint, err.exitCode], [
      'site dc1: the agent at https://10.0.0.1:7443 answered 403: role observer may not replace desired state',
      "your identity in /home/al/.config/turtle/identity is an observer certificate, which may only read: use an operator's (turtle ca issue --role operator --name <you>)",
      ExitCode.invalid,
    ]);
  });
  test('403 to an operator certificate points at revocation', () => {
    assert.equal(answerError(ref, 403, { error: 'this certificate was revoked' }).hint, 'the agent does not accept this certificate: check that it was not revoked');
  });
  test('400 shows the error and its issues (exit 1)', () => {
    const err = answerError(ref, 400, { error: 'invalid desired state', issues: ['containers.0.site: is dc9, but this agent runs site dc1', 'x: y'] });
    assert.deepEqual([err.message, err.exitCode], [
      'site dc1: the agent at https://10.0.0.1:7443 answered 400: invalid desired state (containers.0.site: is dc9, but this agent runs site dc1; x: y)',
      ExitCode.invalid,
    ]);
  });
  test('500 is a failed operation (exit 3); a body that is not JSON is shown as text', () => {
    const err = answerError(ref, 502, 'Bad Gateway\n');
    assert.deepEqual([err.message, err.exitCode], ['site dc1: the agent at https://10.0.0.1:7443 answered 502: Bad Gateway', ExitCode.failed]);
    assert.equal(answerError(ref, 500, '').message, 'site dc1: the agent at https://10.0.0.1:7443 answered 500: no error message');
  });
});

describe('reconcile events as step records', () => {
  test('no event: nothing to do', () => assert.deepEqual(reconcileRecords(undefined), { records: [] }));
  test('step lines become records without timings; a failed run puts its reason on the failed step', () => {
    const out = reconcileRecords({
      seq: 9, time: 't', site: 'dc1', type: 'reconcile.failed', message: 'reconcile failed: dc1/web#1 became unhealthy',
      data: { steps: ['create db#1 (turtle-test/web:1) done', 'replace web#1 (image a -> b, stop-first) failed', 'remove worker#2 (service not in the spec for this site) skipped'] },
    });
    assert.deepEqual(out, {
      failed: 'dc1/web#1 became unhealthy',
      records: [
        { step: 'create db#1 (turtle-test/web:1)', kind: 'create', service: 'db', status: 'done', durationMs: 0 },
        { step: 'replace web#1 (image a -> b, stop-first)', kind: 'replace', service: 'web', status: 'failed', durationMs: 0, error: 'dc1/web#1 became unhealthy' },
        { step: 'remove worker#2 (service not in the spec for this site)', kind: 'remove', service: 'worker', status: 'skipped', durationMs: 0 },
      ],
    });
  });
  test('records the agent sends are taken as they are', () => {
    const records = [{ step: 'start web#1', kind: 'start', service: 'web', status: 'done' as const, durationMs: 812 }];
    assert.deepEqual(reconcileRecords({ seq: 1, time: 't', site: 'dc1', type: 'reconcile.succeeded', message: 'reconciled', data: { steps: ['start web#1 done'], records } }), { records });
  });
  test('a run that failed before any step', () => {
    assert.deepEqual(reconcileRecords({ seq: 1, time: 't', site: 'dc1', type: 'reconcile.failed', message: 'reconcile failed: docker engine is not reachable' }), {
      records: [], failed: 'docker engine is not reachable',
    });
  });
  test('update-resources lines', () => {
    assert.deepEqual(fromLine('update-resources web#1 (cpus=0.2 memory=48MiB -> cpus=0.2 memory=40MiB) done', undefined), {
      step: 'update-resources web#1 (cpus=0.2 memory=48MiB -> cpus=0.2 memory=40MiB)', kind: 'update-resources', service: 'web', status: 'done', durationMs: 0,
    });
  });
});

describe('the reconcile that saw a push', () => {
  const ev = (seq: number, type: string, data?: Record<string, unknown>) => ({ seq, time: 't', site: 'dc1', type, message: type, ...(data ? { data } : {}) });
  test('a run under way when the push arrived (its event before the marker) is not ours', () => {
    const events = [ev(11, 'reconcile.failed'), ev(12, 'desired.applied', { replaced: 10 }), ev(13, 'health.failed'), ev(14, 'reconcile.succeeded')];
    assert.equal(afterOurs(events, 10)?.seq, 14);
  });
  test('no marker yet, or another push\'s marker: nothing', () => {
    assert.equal(afterOurs([ev(11, 'reconcile.succeeded')], 10), undefined);
    assert.equal(afterOurs([ev(12, 'desired.applied', { replaced: 9 }), ev(13, 'reconcile.succeeded')], 10), undefined);
  });
  test('marker without a reconcile event after it: a run with nothing to do (or not finished yet)', () => {
    assert.equal(afterOurs([ev(12, 'desired.applied', { replaced: 10 })], 10), undefined);
  });
});

describe('identity', () => {
  test('--identity, then $TURTLE_IDENTITY, then ~/.config/turtle/identity', () => {
    assert.deepEqual(identityDir('/a', { TURTLE_IDENTITY: '/b' }), { dir: '/a', from: '--identity' });
    assert.deepEqual(identityDir(undefined, { TURTLE_IDENTITY: '/b' }), { dir: '/b', from: '$TURTLE_IDENTITY' });
    assert.deepEqual(identityDir(undefined, {}), { dir: join(homedir(), '.config', 'turtle', 'identity'), from: 'the default location' });
  });
  test('a directory without the files names them, and how to make them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'turtle-id-'));
    try {
      assert.throws(() => loadIdentity(undefined, 'dc2', { TURTLE_IDENTITY: dir }), (err: unknown) => {
        assert.ok(err instanceof TurtleError);
        assert.equal(err.message, `site dc2 is reached through its agent, but there is no identity in ${dir} ($TURTLE_IDENTITY): cert.pem, key.pem, ca.pem missing`);
        assert.equal(err.exitCode, ExitCode.invalid);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('log lines in time order', () => {
  test('times compare by instant, whatever their fraction digits or offset', () => {
    const sorted = ['2026-11-27T00:27:26.804376694Z', '2026-11-27T00:27:26Z', '2026-11-27T00:27:26.8Z', '2026-11-27T01:27:26.1+01:00', '2026-11-27T00:27:26.80437669Z'];
    sorted.sort(compareLogTimes);
    assert.deepEqual(sorted, ['2026-11-27T00:27:26Z', '2026-11-27T01:27:26.1+01:00', '2026-11-27T00:27:26.8Z', '2026-11-27T00:27:26.80437669Z', '2026-11-27T00:27:26.804376694Z']);
  });

  test('collected: all sources, merged', async () => {
    const out = await collectInOrder([from('a', ['00:00:01', '00:00:03']), from('b', ['00:00:02', '00:00:04'])]);
    assert.deepEqual(out.map(show), ['a 00:00:01', 'b 00:00:02', 'a 00:00:03', 'b 00:00:04']);
  });

  test('followed: a line waits until every live source has passed it', async () => {
    const a = new Feed('a');
    const b = new Feed('b');
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of followInOrder([a, b], 60_000)) seen.push(show(l));
    })();
    a.push('00:00:02');
    a.push('00:00:05');
    await tick();
    assert.deepEqual(seen, [], 'b has said nothing yet: a line of b may still come before them');
    b.push('00:00:01');
    await tick();
    assert.deepEqual(seen, ['b 00:00:01']);
    b.push('00:00:03');
    await tick();
    assert.deepEqual(seen, ['b 00:00:01', 'a 00:00:02', 'b 00:00:03']);
    b.end();
    await tick();
    assert.deepEqual(seen, ['b 00:00:01', 'a 00:00:02', 'b 00:00:03', 'a 00:00:05'], 'an ended source holds nothing back');
    a.end();
    await done;
  });

  test('followed: a quiet source holds lines back for at most holdMs', async () => {
    const a = new Feed('a');
    const quiet = new Feed('q');
    const it = followInOrder([a, quiet], 50)[Symbol.asyncIterator]();
    a.push('00:00:01');
    const first = await it.next();
    assert.equal(show(first.value as LabelledLine), 'a 00:00:01');
    a.end();
    quiet.end();
    assert.equal((await it.next()).done, true);
  });

  test('followed: a source that fails ends the merge with its error', async () => {
    const a = new Feed('a');
    const it = followInOrder([a], 50)[Symbol.asyncIterator]();
    a.fail(new Error('agent went away'));
    await assert.rejects(it.next(), /agent went away/);
  });
});

const show = (l: LabelledLine) => `${l.label} ${l.line.time.slice(11, 19)}`;
const at = (hms: string) => `2026-11-27T${hms}Z`;

async function* from(label: string, times: string[]): LogSource {
  for (const t of times) yield { label, line: { time: at(t), stream: 'stdout', text: t } };
}

/** A source the test feeds by hand. */
class Feed implements AsyncIterable<LabelledLine> {
  private queue: (LabelledLine | Error | null)[] = [];
  private waiting: (() => void) | undefined;
  constructor(private readonly label: string) {}
  push(hms: string): void {
    this.put({ label: this.label, line: { time: at(hms), stream: 'stdout', text: hms } });
  }
  end(): void {
    this.put(null);
  }
  fail(err: Error): void {
    this.put(err);
  }
  private put(item: LabelledLine | Error | null): void {
    this.queue.push(item);
    this.waiting?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<LabelledLine> {
    for (;;) {
      while (this.queue.length === 0) await new Promise<void>((r) => (this.waiting = r));
      const item = this.queue.shift()!;
      if (item === null) return;
      if (item instanceof Error) throw item;
      yield item;
    }
  }
}

/** Lets every pending promise callback run. */
function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

describe('an agent older than the budget field', () => {
  const budget = { capacity: { cpus: 4, memory: 4 * 2 ** 30 }, budget: { cpu: 10, memory: 10 } };
  const identity = { dir: '/id', cert: Buffer.from(''), key: Buffer.from(''), ca: Buffer.from(''), name: 'al', role: 'operator' };
  const desired = { project: 'p', specHash: 'a'.repeat(64), containers: [] };

  test('refuses an unknown top-level field the way the client recognises', () => {
    const r = parseDesired({ ...desired, budgetOfTomorrow: {} }, 'dc1');
    assert.deepEqual(r.ok ? [] : r.invalid.issues, ['(body): Unrecognized key: "budgetOfTomorrow"']);
  });

  test('gets the same desired state again without `site`, and the operator is told why', async () => {
    const client = new AgentClient('dc1', 'p', 'a'.repeat(64), 'https://10.0.0.1:7443', identity, budget);
    const bodies: unknown[] = [];
    Object.assign(client, {
      api: {
        json: async (_method: string, _path: string, { body }: { body: Record<string, unknown> }) => {
          bodies.push(body);
          if ('site' in body) throw answerError(ref, 400, { error: 'invalid desired state', issues: ['(body): Unrecognized key: "site"'] });
          return { status: 202, body: { seq: 7 } };
        },
      },
    });
    const said: string[] = [];
    const push = (client as unknown as { push: (b: unknown, h: unknown, s: AbortSignal) => Promise<{ body: { seq: number } }> }).push.bind(client);
    const put = await push(desired, { onProgress: (m: string) => said.push(m) }, new AbortController().signal);
    assert.deepEqual([put.body.seq, bodies, said], [7, [{ ...desired, site: budget }, desired], [
      "the agent at https://10.0.0.1:7443 is older than this CLI and does not take turtle.yaml's budget for dc1: pushed without it (its governor keeps its own defaults); upgrade the agent to apply it",
    ]]);
  });

  test('any other refusal is not retried', async () => {
    const client = new AgentClient('dc1', 'p', 'a'.repeat(64), 'https://10.0.0.1:7443', identity, budget);
    let calls = 0;
    Object.assign(client, {
      api: { json: async () => { calls++; throw answerError(ref, 400, { error: 'invalid desired state', issues: ['site.budget.floor: too high'] }); } },
    });
    const push = (client as unknown as { push: (b: unknown, h: unknown, s: AbortSignal) => Promise<unknown> }).push.bind(client);
    await assert.rejects(push(desired, {}, new AbortController().signal), /site\.budget\.floor: too high/);
    assert.equal(calls, 1);
  });
});
