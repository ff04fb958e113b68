// The three-site test bed (scripts/testbed.sh) for tests: its sites and addresses, bring it up or down,
// cut a site off and heal it, and talk to a site's agent over mutual TLS.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { readReply, type Reply } from './_reply.js';
import type { Identity } from './agent.js';
import type { RuntimeKind } from '../../src/domain/types.js';

const SCRIPT = resolve('scripts/testbed.sh');
const RUN = '/run/turtle-testbed';

export type TestbedSiteName = 'dc1' | 'dc2' | 'dc3';

export interface TestbedSite {
  name: TestbedSiteName;
  address: string;
  /** The site's own engine; dc3 (the observer's) has none. */
  engine?: { kind: RuntimeKind; endpoint: string };
  /** https://<address>:7443; dc3 runs no agent. */
  agent?: string;
}

/** Fixed by scripts/testbed.sh (keep the two in step). */
export const testbed = {
  host: '10.231.0.1',
  sites: {
    dc1: { name: 'dc1', address: '10.231.0.11', engine: { kind: 'docker', endpoint: `unix://${RUN}/dc1/docker.sock` }, agent: 'https://10.231.0.11:7443' },
    dc2: { name: 'dc2', address: '10.231.0.12', engine: { kind: 'podman', endpoint: `unix://${RUN}/dc2/podman.sock` }, agent: 'https://10.231.0.12:7443' },
    dc3: { name: 'dc3', address: '10.231.0.13' },
  } satisfies Record<TestbedSiteName, TestbedSite>,
  caDir: `${RUN}/ca`,
  /** Folders with cert.pem, key.pem, ca.pem of an operator and an observer issued by the test-bed CA. */
  tls: { operator: `${RUN}/operator`, observer: `${RUN}/observer` },
} as const;

/**
 * The test bed needs root (namespaces, bridges, its own engines). Set TURTLE_SKIP_TESTBED=1 to skip the
 * suites that use it. There is one test bed per machine: suites using it must not run at the same time.
 */
export const skipTestbed: false | string =
  process.env.TURTLE_SKIP_TESTBED === '1' ? 'TURTLE_SKIP_TESTBED=1: test-bed suites skipped'
  : process.getuid?.() !== 0 ? 'the test bed needs root' : false;

export interface ScriptResult {
  code: number;
  output: string;
}

/** `bash scripts/testbed.sh ARGS`; rejects with the script's output when it fails. */
export function testbedScript(...args: string[]): Promise<ScriptResult> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [SCRIPT, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const output = stdout + stderr;
      if (err) reject(new Error(`testbed.sh ${args.join(' ')} failed (${err.code ?? err.signal}):\n${output}`));
      else resolvePromise({ code: 0, output });
    });
  });
}

/**
 * `npm run demo` on root leaves its sites up on this test bed, its observer on dc3's address and port (the
 * tests' own): a test would fail much later and far from the cause ("timed out waiting for the observer").
 * `npm test` stops the demo first (scripts/test.sh); a test file run by hand says what to do instead.
 */
function refuseWhileDemoRuns(): void {
  const env = join(process.env.TURTLE_DEMO_DIR ?? resolve('.turtle/demo'), 'env');
  if (existsSync(env) && /^export TURTLE_DEMO_MODE=testbed$/m.test(readFileSync(env, 'utf8')))
    throw new Error(`the demo is running on the test bed (${env}): stop it first with \`bash scripts/demo.sh down\` (npm test does that itself)`);
}

export const testbedUp = async () => {
  refuseWhileDemoRuns();
  return testbedScript('up');
};
export const testbedDown = () => testbedScript('down');
export const cutSite = (site: TestbedSiteName, how: 'link' | 'firewall' = 'link') => testbedScript('cut', site, how);
export const healSite = (site: TestbedSiteName) => testbedScript('heal', site);

/** The operator's or observer's identity (exists once the test bed is up). */
export function testbedIdentity(role: 'operator' | 'observer'): Identity {
  const dir = testbed.tls[role];
  return { cert: readFileSync(`${dir}/cert.pem`), key: readFileSync(`${dir}/key.pem`), ca: readFileSync(`${dir}/ca.pem`) };
}

/** One request to a site's agent as `who` (undefined: no client certificate, only the CA to check the agent). */
export function siteApi(site: 'dc1' | 'dc2', who: Identity | undefined, method: string, path: string, opts: { body?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const url = new URL(testbed.sites[site].agent);
  const ca = who?.ca ?? readFileSync(`${testbed.tls.operator}/ca.pem`);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: url.hostname, port: Number(url.port), method, path, agent: false, timeout: opts.timeoutMs ?? 5_000,
        ca, ...(who ? { cert: who.cert, key: who.key } : {}),
        headers: opts.body !== undefined ? { 'content-type': 'application/json' } : {},
      },
      (res) => void readReply(res).then(resolvePromise, reject),
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${site} within ${opts.timeoutMs ?? 5_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** What a torn-down test bed must not leave behind; every list empty when it left nothing. */
export interface Leftovers {
  namespaces: string[];
  links: string[];
  mounts: string[];
  iptables: string[];
  processes: string[];
}

export async function leftovers(): Promise<Leftovers> {
  const sh = (cmd: string) =>
    new Promise<string[]>((ok) => execFile('sh', ['-c', cmd], (_e, out) => ok(out.split('\n').map((l) => l.trim()).filter(Boolean))));
  return {
    namespaces: await sh("ip netns list | awk '{print $1}' | grep -E '^dc[123]$'"),
    links: await sh("ip -br link | awk '{print $1}' | grep -E '^tbed'"),
    mounts: await sh("awk '{print $2}' /proc/self/mounts | grep -E '^(/run|/var/lib)/turtle-testbed'"),
    iptables: await sh('iptables-save | grep -- turtle-testbed'),
    processes: await sh("ps -eo pid,args | grep -F turtle-testbed | grep -v grep"),
  };
}

/**
 * The test bed, up: brought up here unless it already is (another suite, or by hand, is then left to
 * itself). `release()` takes it down only if this call brought it up.
 */
export async function holdTestbed(): Promise<{ release: () => Promise<void> }> {
  const up = /dc1 10\.231\.0\.11: link UP; engine: docker up; agent .*: answers/.test((await testbedScript('status')).output);
  if (!up) await testbedUp();
  return { release: async () => { if (!up) await testbedDown(); } };
}
