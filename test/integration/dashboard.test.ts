// The dashboard in a real browser (playwright-core driving Debian's chromium), served by a real
// `turtle observer` process watching real agents on Docker (dc1) and Podman (dc2): every site shows, a
// container killed on dc2 shows as unhealthy within 5 s, nothing loads from outside, it fits a phone.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { issueCert } from '../../src/pki/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { engineRequest, skipEngines } from '../helpers/engines.js';
import { until } from '../helpers/agent.js';
import { desiredFor, pushDesired, startTwoSites, stopTwoSites, type TwoSites } from '../helpers/observer-sites.js';
import { ObserverProcess } from '../helpers/observer.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipEngines || (!existsSync(CHROMIUM) && `${CHROMIUM} is missing: bash scripts/browser.sh installs it`);
const project = `dash-${process.pid}`;

describe('the dashboard in chromium', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'turtle-dashboard-'));
  let sites: TwoSites;
  let observer: ObserverProcess | undefined;
  let url = '';
  let browser: Browser | undefined;
  let page: Page;
  const outside: string[] = [];
  const refusedByCsp: string[] = [];

  before(async () => {
    sites = await startTwoSites();
    // web takes 2 s to serve after a start, as real services do: the agent heals a killed busybox httpd in
    // ~0.3 s, faster than a page can be expected to show (the events list and the resolved alert still do)
    for (const s of [sites.dc1, sites.dc2]) await pushDesired(s, sites.operator, desiredFor(project, s, [{ name: 'web', bootS: 2 }]));
    const tls = join(dir, 'observer-tls');
    await issueCert(sites.dc1.caDir, { role: 'observer', name: 'dashboard', out: tls, hosts: ['127.0.0.1', 'localhost'] });
    const spec = join(dir, 'turtle.yaml');
    writeFileSync(spec, `version: 1
project: ${project}
sites:
  dc1: { runtime: docker, engine: "${sites.dc1.engine}", agent: "https://127.0.0.1:${sites.dc1.port}", capacity: { cpus: 2, memory: 2g } }
  dc2: { runtime: podman, engine: "${sites.dc2.engine}", agent: "https://127.0.0.1:${sites.dc2.port}", capacity: { cpus: 2, memory: 2g } }
  dc3: { role: observer, runtime: docker }
services:
  web: { image: turtle-test/web:1 }
`);
    // the one command that runs the observer locally
    observer = await ObserverProcess.start({ spec, state: join(dir, 'observer.db'), tlsDir: tls, listen: '127.0.0.1:0' });
    url = observer.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    // the observer is private: the browser presents the operator's certificate (mutual TLS), as a person
    // would after importing it; the test CA is not one chromium trusts, hence ignoreHTTPSErrors
    const context = await browser.newContext({
      viewport: { width: 1280, height: 1000 }, ignoreHTTPSErrors: true,
      clientCertificates: [{ origin: new URL(url).origin, cert: sites.operator.cert, key: sites.operator.key }],
    });
    page = await context.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(url)) outside.push(r.url());
    });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) refusedByCsp.push(m.text());
    });
  });

  after(async () => {
    await browser?.close();
    await observer?.stop();
    await stopTwoSites(sites, project);
    rmSync(dir, { recursive: true, force: true });
  });

  // chromium aborts what it is loading when the host's interfaces change (ERR_NETWORK_CHANGED: the page's
  // navigation, its error page taking over, or one of its scripts), and each container an engine starts adds
  // a veth to this host; a person would reload, so does the test
  const changed = /ERR_NETWORK_CHANGED|interrupted by another navigation to "chrome-error/;
  const load = async (p: Page, href: string) => {
    for (let attempt = 1; ; attempt++) {
      let broken = false;
      const onFailed = (r: { failure(): { errorText: string } | null }) => (broken ||= changed.test(r.failure()?.errorText ?? ''));
      p.on('requestfailed', onFailed);
      try {
        const res = await p.goto(href);
        if (!broken || attempt === 5) return res;
      } catch (e) {
        if (attempt === 5 || !changed.test(String(e))) throw e;
      } finally {
        p.off('requestfailed', onFailed);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const cell = (site: string) => `tr[data-site="${site}"][data-service="web"] td[data-status]`;

  test('shows every site healthy, with versions, charts and events, all served locally', async () => {
    await load(page, url);
    await page.waitForSelector('#live.on', { timeout: 10_000 });
    for (const site of ['dc1', 'dc2']) await page.waitForSelector(`${cell(site)}[data-status="healthy"]`, { timeout: 60_000 });
    const cards = await page.$$eval('.site', (els) => els.map((e) => e.getAttribute('data-site')));
    assert.deepEqual(cards, ['dc1', 'dc2']);
    const versions = await page.$$eval('.site .muted', (els) => els.map((e) => e.textContent ?? '').filter((t) => t.startsWith('version')));
    assert.equal(versions.length, 2);
    assert.ok(versions.every((v) => /^version [0-9a-f]{12} · seq \d+ · seen/.test(v)), versions.join('\n'));
    await page.waitForSelector('[data-chart="dc1"] canvas', { timeout: 10_000 });
    await page.waitForSelector('[data-chart="dc2"] canvas', { timeout: 10_000 });
    assert.ok((await page.$$('#events tbody tr')).length > 0);
    assert.deepEqual(outside, []);
    // the strict Content-Security-Policy costs the page nothing
    assert.deepEqual(refusedByCsp, []);
  });

  test('without a client certificate the browser gets a 401 naming the fix, and nothing of the sites', async () => {
    const bare = await browser!.newContext({ ignoreHTTPSErrors: true });
    try {
      const p = await bare.newPage();
      const res = await load(p, url);
      assert.equal(res?.status(), 401);
      const body = JSON.parse(await res!.text()) as { error: string; hint: string };
      assert.equal(body.error, 'the observer is private: no client certificate was presented');
      assert.match(body.hint, /turtle ca issue --role operator\|observer/);
      const health = await load(p, new URL('/healthz', url).href);
      assert.equal(health?.status(), 200);
    } finally {
      await bare.close();
    }
  });

  test('a container killed on dc2 shows as unhealthy on the page within 5 s', async (t) => {
    // record every status the page shows for dc2/web, with the page's clock (the same machine's)
    // (a string, not a function: tsx would wrap a function's inner names in a helper the page does not have)
    await page.evaluate(`(() => {
      const seen = [];
      window.seen = seen;
      const look = () => {
        const s = document.querySelector(${JSON.stringify(cell('dc2'))})?.getAttribute('data-status');
        if (s && seen.at(-1)?.status !== s) seen.push({ at: Date.now(), status: s });
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
      look();
    })()`);
    const rt = createRuntime({ kind: 'podman', endpoint: sites.dc2.engine });
    const web = (await rt.list(project)).find((c) => c.service === 'web' && c.state === 'running');
    assert.ok(web);
    const killedAt = Date.now();
    await engineRequest(sites.dc2.engine, 'POST', `/containers/${web.id}/kill?signal=KILL`);
    const shown = await until('dc2/web unhealthy on the page', async () => {
      const seen = await page.evaluate(() => (window as unknown as { seen: { at: number; status: string }[] }).seen);
      return seen.find((s) => s.status === 'unhealthy' && s.at >= killedAt);
    }, 10_000);
    assert.ok(shown.at - killedAt <= 5_000, `unhealthy shown ${shown.at - killedAt} ms after the kill`);
    t.diagnostic(`dc2/web shown unhealthy ${shown.at - killedAt} ms after the kill`);
    // the agent heals it; the page follows
    await page.waitForSelector(`${cell('dc2')}[data-status="healthy"]`, { timeout: 30_000 });
    // and the incident stays on the page as a resolved alert
    await page.waitForSelector('#alerts li[data-resolved="service.unhealthy"]', { timeout: 10_000 });
  });

  test('fits a phone, and the screenshot for the README', async (t) => {
    await page.waitForFunction(() => document.querySelectorAll('[data-chart] canvas').length === 2);
    await page.waitForTimeout(6_000); // a few more samples in the charts
    // docs/dashboard.png (the README's) only when asked, so a test run leaves the work tree as it found it
    const shot = process.env.TURTLE_UPDATE_SCREENSHOT === '1' ? 'docs/dashboard.png' : join(tmpdir(), `turtle-dashboard-${process.pid}.png`);
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, `${shot} is a real picture`);
    if (shot !== 'docs/dashboard.png') rmSync(shot);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const [width, wide] = await page.evaluate(`(() => [document.documentElement.scrollWidth,
      [...document.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > 391).map((e) => e.tagName + '.' + e.className).slice(0, 5)])()`) as [number, string[]];
    assert.ok(width <= 390, `the page is ${width} px wide on a 390 px phone: ${wide.join(', ')}`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${observer?.pid}/status`, 'utf8'))?.[1];
    t.diagnostic(`the observer process (two sites, one dashboard open): ${Math.round(Number(rss) / 1024)} MB RSS`);
  });
});
