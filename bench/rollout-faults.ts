// bench:rollout-faults — N deployments (default 200; `--count N`, `--seed S`) of a proxied web service
// across the test bed's dc2 (Podman, the canary) and dc1 (Docker), each through the real `turtle deploy
// --json` and its sites' agents, each with one fault, round-robin: none, a health failure (web:broken on
// the canary, or on dc1 only through an overlay so the second site fails), the site's engine restarted,
// its agent killed -9 and started again, the site cut off and healed (unreachable: wait). After each, the
// agents are read until they settle and the deployment is judged: clean (every site on exactly the release
// the outcome names, every replica running), mixed (sites on different releases, or containers of two
// releases on one site), or other. Target: 0 mixed, >= 99.5% clean. `--until HH:MM` (UTC) starts no
// deployment after that time.
// Needs root and the test bed, which it brings up and takes down: run it under the test bed's lock,
// `flock /tmp/turtle-testbed.lock npm run bench:rollout-faults -- --count 10`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSpec } from '../src/spec/index.js';
import { specHash } from '../src/converge/deploy.js';
import type { ContainerSpec, ObservedContainer } from '../src/domain/types.js';
import { siteApi, testbed, testbedDown, testbedIdentity, testbedScript, testbedUp } from '../test/helpers/testbed.js';
import type { Identity } from '../test/helpers/agent.js';
import { percentile as pct } from '../test/helpers/stats.js';
import { desiredState } from '../test/helpers/desired.js';
import { FAULT_KINDS, faultFor, inject, random, type Fault, type FaultKind, type Injected } from './_rollout-faults-inject.js';
import { siteVerdict, verdict, type Release, type SiteReading, type SiteVerdict, type Verdict } from './_rollout-verdict.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '200' }, seed: { type: 'string', default: '4' }, until: { type: 'string' } } });
/** `--until TIME` (ISO, or HH:MM today): start no deployment after it, and report those that ran */
const UNTIL = args.until === undefined ? Infinity : Date.parse(/^\d\d:\d\d$/.test(args.until) ? `${new Date().toISOString().slice(0, 10)}T${args.until}:00Z` : args.until);
const COUNT = Number(args.count);
const SEED = Number(args.seed);
const SITES = ['dc2', 'dc1'] as const;
const PROJECT = 'bench-faults';
const SETTLE_MS = 90_000;
/** when a fault strikes, after the deploy started: from the canary's push to the last site's convergence */
const FAULT_WINDOW = { fromMs: 500, toMs: 6_000 };

const dir = mkdtempSync(join(tmpdir(), 'turtle-bench-rollout-faults-'));
const specFile = join(dir, 'turtle.yaml');

/** Release n: web:IMAGE everywhere, or (`brokenOn`) web:broken on that site through an overlay. */
function release(n: number, image: string, brokenOn?: 'dc1'): { text: string; release: Release } {
  const overlay = brokenOn ? `overlays:\n  ${brokenOn}: { services: { web: { image: turtle-test/web:broken } } }\n` : '';
  const text = `version: 1
project: ${PROJECT}
sites:
  dc2: { runtime: podman, agent: "${testbed.sites.dc2.agent}", capacity: { cpus: 2, memory: 2g } }
  dc1: { runtime: docker, agent: "${testbed.sites.dc1.agent}", capacity: { cpus: 2, memory: 2g } }
rollout: { order: [dc2, dc1], bake: 1s, unreachable: wait, wait_timeout: 90s }
services:
  web:
    image: turtle-test/web:${image}
    environment: { RELEASE: "${n}" }
    ports: ["18490:80"]
    proxy: http
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/health"], interval: 500ms, timeout: 3s, retries: 2 }
    update: { min_healthy: 500ms, drain_timeout: 500ms }
${overlay}`;
  const spec = parseSpec(text, specFile, {});
  const containers: Record<string, readonly ContainerSpec[]> = {};
  for (const site of SITES) containers[site] = desiredState(spec, site).containers;
  const label = `#${n} web:${image}${brokenOn ? ` (${brokenOn} broken)` : ''}`;
  return { text, release: { label, version: specHash(spec), containers } };
}

interface DeployRun {
  code: number;
  ms: number;
  id?: number;
  version?: string;
  outcome: string;
  stderr: string;
}

function deploy(): Promise<DeployRun> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve('bin/turtle.js'), '-f', specFile, 'deploy', '--json'], {
      env: { ...process.env, TURTLE_STATE: join(dir, 'state.db'), TURTLE_IDENTITY: testbed.tls.operator },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = Date.now() - started;
      try {
        const r = JSON.parse(stdout) as { id: number; version: string; outcome: string };
        done({ code: code ?? -1, ms, id: r.id, version: r.version, outcome: r.outcome, stderr });
      } catch {
        done({ code: code ?? -1, ms, outcome: `exit ${code} without a result`, stderr });
      }
    });
  });
}

async function read(site: 'dc1' | 'dc2', operator: Identity): Promise<SiteReading> {
  try {
    const observed = await siteApi(site, operator, 'GET', '/v1/observed', { timeoutMs: 10_000 });
    const desired = await siteApi(site, operator, 'GET', '/v1/desired', { timeoutMs: 10_000 });
    if (observed.status !== 200 || desired.status !== 200) return { site, observed: [], error: `agent answered ${observed.status}/${desired.status}` };
    const containers = (observed.body as { containers: ObservedContainer[] }).containers.filter((c) => c.project === PROJECT);
    const want = (desired.body as { desired: { specHash: string } | null }).desired;
    return { site, observed: containers, ...(want ? { desired: want.specHash } : {}) };
  } catch (err) {
    return { site, observed: [], error: String(err) };
  }
}

/**
 * Reads both agents until every site is on one of the two releases (all its slots running, the agent
 * wanting that release) twice in a row, or SETTLE_MS passed; then judges the deployment.
 */
async function settle(outcome: string, target: Release, previous: Release, operator: Identity): Promise<{ verdict: Verdict; sites: SiteVerdict[]; ms: number }> {
  const from = Date.now();
  let streak = 0;
  let last = '';
  for (;;) {
    const sites = await Promise.all(SITES.map(async (s) => siteVerdict(target, previous, await read(s, operator))));
    const v = verdict(outcome, sites);
    const now = sites.map((s) => s.on).join();
    streak = sites.every((s) => s.on === 'target' || s.on === 'previous') && (streak === 0 || now === last) ? streak + 1 : 0;
    last = now;
    if (streak >= 2 || Date.now() - from > SETTLE_MS) return { verdict: v, sites, ms: Date.now() - from };
    await sleep(500);
  }
}

/** After a fault, every part of the test bed answers again (a fault that could not undo itself is undone here). */
async function mend(): Promise<string[]> {
  const status = (await testbedScript('status')).output;
  const mended: string[] = [];
  for (const s of SITES) {
    const line = status.split('\n').find((l) => l.startsWith(`testbed: ${s} `)) ?? '';
    const fix = async (what: string, ...cmd: string[]) => {
      mended.push(`${s} ${what}`);
      await testbedScript(...cmd, s);
    };
    if (!/link UP;/.test(line) || /firewalled/.test(line)) await fix('healed', 'heal');
    if (/(docker|podman) down/.test(line)) await fix('engine restarted', 'restart-engine');
    if (!/agent .*: answers/.test(line)) await fix('agent started', 'start-agent');
  }
  return mended;
}

interface Row {
  i: number;
  fault: Fault;
  variant: string;
  injected: Injected;
  run: DeployRun;
  verdict: Verdict;
  sites: SiteVerdict[];
  settleMs: number;
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Returns whether to keep the store: some deployment did not end clean (its history is the evidence). */
async function main(): Promise<boolean> {
  const began = Date.now();
  await testbedUp();
  const operator = testbedIdentity('operator');
  const rnd = random(SEED);
  const rows: Row[] = [];
  const repairs: string[] = [];
  // release 0, deployed without a fault, is where the first deployment starts from
  let current = release(0, '1');
  writeFileSync(specFile, current.text);
  const first = await deploy();
  const start = await settle(first.outcome, current.release, current.release, operator);
  if (first.outcome !== 'succeeded' || start.verdict !== 'clean') {
    throw new Error(`the first deployment did not end clean: ${first.outcome}, ${start.sites.map((s) => `${s.site} ${s.detail}`).join('; ')}\n${first.stderr}`);
  }
  console.log(`release 0 deployed in ${s1(first.ms)}; ${COUNT} deployments with faults (seed ${SEED}) follow`);
  let healthRound = 0;
  for (let i = 0; i < COUNT; i++) {
    if (Date.now() > UNTIL) {
      console.log(`--until ${args.until} reached: stopped after ${i} of ${COUNT} deployments`);
      break;
    }
    const fault = faultFor(i, rnd, FAULT_WINDOW);
    const image = current.release.label.includes('web:1') ? '2' : '1';
    let next = release(i + 1, image);
    let variant = fault.kind === 'none' ? '' : fault.site;
    if (fault.kind === 'health') {
      // the canary fails (web:broken everywhere), or the second site does (web:broken on dc1 only)
      const onCanary = healthRound++ % 2 === 0;
      next = onCanary ? release(i + 1, 'broken') : release(i + 1, image, 'dc1');
      variant = onCanary ? 'dc2 (canary)' : 'dc1 (second)';
    }
    writeFileSync(specFile, next.text);
    const started = Date.now();
    let over = false;
    const striking = inject(fault, started, () => over);
    const run = await deploy();
    over = true;
    const injected = await striking;
    const mended = fault.kind !== 'none' && fault.kind !== 'health' ? await mend() : [];
    if (mended.length) injected.error = `${injected.error ?? 'not undone'}; mended: ${mended.join(', ')}`;
    const judged = await settle(run.outcome, next.release, current.release, operator);
    const row: Row = { i: i + 1, fault, variant, injected, run, verdict: judged.verdict, sites: judged.sites, settleMs: judged.ms };
    rows.push(row);
    const struck = fault.kind === 'none' || fault.kind === 'health' ? '' : injected.firedAtMs === undefined ? ' (deploy over before the fault)' : ` at ${s1(injected.firedAtMs)}`;
    console.log(`${String(i + 1).padStart(3)} ${fault.kind.padEnd(6)} ${variant.padEnd(12)}${struck}: deployment ${run.id ?? '?'} ${run.outcome} in ${s1(run.ms)}; ${judged.verdict}` +
      (judged.verdict === 'clean' ? '' : ` (${judged.sites.map((s) => `${s.site}: ${s.on}, ${s.detail}`).join('; ')})`) + (injected.error ? `; fault error: ${injected.error}` : ''));
    // the next deployment starts from one release on every site: the one they are on, else the current one again
    const on = new Set(judged.sites.map((s) => s.on));
    if (on.size === 1 && on.has('target')) current = next;
    if (on.size === 1 && (on.has('target') || on.has('previous'))) continue;
    writeFileSync(specFile, current.text);
    for (let attempt = 1; ; attempt++) {
      const again = await deploy();
      const fixed = await settle(again.outcome, current.release, current.release, operator);
      repairs.push(`after ${i + 1}: deployment ${again.id ?? '?'} ${again.outcome}`);
      if (fixed.sites.every((s) => s.on === 'target')) break;
      if (attempt === 3) throw new Error(`could not put the sites back on ${current.release.label}: ${fixed.sites.map((s) => `${s.site} ${s.detail}`).join('; ')}`);
    }
  }
  report(rows, repairs, Date.now() - began);
  return rows.some((r) => r.verdict !== 'clean');
}

function report(rows: readonly Row[], repairs: readonly string[], totalMs: number): void {
  const W = [8, 6, 11, 13, 7, 8, 7, 7, 8];
  const cols = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(W[0]!) : c.padStart(W[i]!))).join('');
  const line = (name: string, rs: readonly Row[]) => {
    const n = (f: (r: Row) => boolean) => String(rs.filter(f).length);
    const other = rs.filter((r) => r.run.outcome !== 'succeeded' && r.run.outcome !== 'rolled-back').map((r) => r.run.outcome);
    const clean = rs.filter((r) => r.verdict === 'clean').length;
    return cols([name, String(rs.length), n((r) => r.run.outcome === 'succeeded'), n((r) => r.run.outcome === 'rolled-back'), String(other.length),
      String(clean), n((r) => r.verdict === 'mixed'), n((r) => r.verdict === 'other'), rs.length ? `${((100 * clean) / rs.length).toFixed(1)}%` : '-']) +
      (other.length ? `  (${[...new Set(other)].map((o) => `${o} ${other.filter((x) => x === o).length}`).join(', ')})` : '');
  };
  console.log('\noutcome: what turtle deploy said; end state: what the agents run once settled');
  console.log(cols(['fault', 'runs', 'succeeded', 'rolled-back', 'other', 'clean', 'mixed', 'other', 'clean']));
  for (const kind of FAULT_KINDS as readonly FaultKind[]) console.log(line(kind, rows.filter((r) => r.fault.kind === kind)));
  console.log(line('total', rows));
  const missed = rows.filter((r) => r.fault.kind !== 'none' && r.fault.kind !== 'health' && r.injected.firedAtMs === undefined).length;
  const ms = rows.map((r) => r.run.ms);
  const settle = rows.map((r) => r.settleMs);
  console.log(`\ntime per deployment (turtle deploy): p50 ${s1(pct(ms, 50))}, p95 ${s1(pct(ms, 95))}, max ${s1(Math.max(...ms))}; settling after it: p50 ${s1(pct(settle, 50))}, p95 ${s1(pct(settle, 95))}`);
  console.log(`faults that found the deploy already over (not injected): ${missed}; repairs between deployments: ${repairs.length}${repairs.length ? ` (${repairs.join('; ')})` : ''}`);
  const clean = rows.filter((r) => r.verdict === 'clean').length;
  const mixed = rows.filter((r) => r.verdict === 'mixed').length;
  console.log(`total: ${rows.length} deployments, ${clean} clean (${((100 * clean) / rows.length).toFixed(1)}%, target >= 99.5%), ${mixed} mixed (target 0), in ${s1(totalMs)}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const bad = rows.filter((r) => r.verdict !== 'clean');
  if (bad.length) console.log(`not clean: ${bad.map((r) => `#${r.i} deployment ${r.run.id ?? '?'} (${r.fault.kind} ${r.variant})`).join(', ')}; store kept at ${dir}/state.db (turtle history ID --state ...)`);
}

let keep = true;
try {
  keep = await main();
} catch (err) {
  console.error(`bench:rollout-faults failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await testbedDown().catch((err) => console.error(String(err)));
  if (!keep && !process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
}
