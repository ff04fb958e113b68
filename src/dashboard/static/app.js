// turtle's dashboard: draws /api/v1/summary, keeps it live over Server-Sent Events (api/v1/stream), charts
// host vs turtle CPU and memory with uPlot, and tails the logs of one service. No framework, no CDN.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { summary: null, charts: new Map(), series: new Map(), logService: '' };
  const HOUR = 3600_000;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  const time = (t) => new Date(t).toLocaleTimeString();
  const ago = (ms) => (ms < 60_000 ? `${Math.round(ms / 1000)} s ago` : `${Math.round(ms / 60_000)} min ago`);
  const mb = (b) => (b / 1048576).toFixed(1);

  function render(s) {
    state.summary = s;
    $('generated').textContent = `as of ${time(s.generatedAt)}`;
    renderAlerts(s.alerts, s.recentAlerts || []);
    renderSites(s);
    renderSkew(s.skew);
    renderRows('deployments', s.deployments, (e) => [time(e.time), e.site, e.message]);
    renderRows('events', s.events, (e) => [time(e.time), e.site, e.type, e.message]);
    renderLogChoices(s);
    for (const site of s.sites) ensureChart(site.name);
  }

  function renderAlerts(alerts, recent) {
    const active = alerts.map((a) => el('li', { class: 'alert', 'data-kind': a.kind, 'data-site': a.site || '' }, `${a.kind}: ${a.message} (since ${time(a.openedAt)})`));
    const past = recent.filter((a) => a.resolvedAt).slice(0, 8).map((a) => el('li', { class: 'muted', 'data-resolved': a.kind }, `resolved ${time(a.resolvedAt)}: ${a.kind}: ${a.message} (opened ${time(a.openedAt)})`));
    $('alerts').replaceChildren(...(active.length ? active : [el('li', { class: 'muted' }, 'none open')]), ...past);
  }

  function renderSites(s) {
    const skewed = new Set(s.skew.flatMap((k) => Object.keys(k.bySite)));
    const now = Date.parse(s.generatedAt);
    $('sites').replaceChildren(...s.sites.map((site) => {
      const flags = [
        site.reachable ? el('span', { class: 'flag ok' }, 'reachable') : el('span', { class: 'flag bad', 'data-flag': 'unreachable' }, 'unreachable'),
        site.drift.length ? el('span', { class: 'flag bad', 'data-flag': 'drift', title: site.drift.join('\n') }, 'drift') : null,
        skewed.has(site.name) ? el('span', { class: 'flag warn', 'data-flag': 'skew' }, 'skew') : null,
      ];
      const rows = site.services.map((v) => el('tr', { 'data-site': site.name, 'data-service': v.name },
        el('td', {}, v.name),
        el('td', { class: `status-${v.status}`, 'data-status': v.status }, v.status === 'unhealthy' ? 'unhealthy' : v.status),
        el('td', {}, `${v.running}/${v.replicas}`),
        el('td', {}, v.images.join(', ') || '-'),
        el('td', {}, v.restarts)));
      const load = site.latest ? `turtle ${site.latest.turtleCpu.toFixed(1)}% CPU, ${mb(site.latest.turtleMem)} MB` + (site.latest.hostCpu !== undefined ? ` · host ${site.latest.hostCpu.toFixed(0)}% CPU, ${mb(site.latest.hostMem)} MB` : '') : '';
      return el('div', { class: 'site', 'data-site': site.name },
        el('h3', {}, site.name, ...flags),
        el('div', { class: 'muted' }, `version ${site.specHash ? site.specHash.slice(0, 12) : '-'} · seq ${site.lastSeq} · ${site.lastContact ? `seen ${ago(now - site.lastContact)}` : 'never seen'}`),
        site.lastError && !site.reachable ? el('div', { class: 'muted' }, site.lastError) : null,
        load ? el('div', { class: 'muted' }, load) : null,
        el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, el('tr', {}, ...['service', 'health', 'running', 'image', 'restarts'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows))),
        site.drift.length ? el('ul', { class: 'muted' }, ...site.drift.map((d) => el('li', {}, d))) : null);
    }));
  }

  function renderSkew(skew) {
    const box = $('skew');
    if (!skew.length) return box.replaceChildren('none');
    const sites = [...new Set(skew.flatMap((k) => Object.keys(k.bySite)))].sort();
    box.replaceChildren(el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, el('th', {}, 'what'), ...sites.map((x) => el('th', {}, x)))),
      el('tbody', {}, ...skew.map((k) => el('tr', { 'data-skew': k.subject }, el('td', {}, k.subject), ...sites.map((x) => el('td', {}, k.bySite[x] || '-'))))))));
  }

  function renderRows(id, items, cells) {
    $(id).tBodies[0].replaceChildren(...items.map((e) => el('tr', {}, ...cells(e).map((c) => el('td', {}, c)))));
  }

  // ---- charts: one per site, CPU (% of one core) and memory (MB), host against turtle ----
  async function ensureChart(site) {
    if (state.charts.has(site) || typeof uPlot === 'undefined') return;
    state.charts.set(site, null);
    const res = await fetch(`api/v1/metrics?site=${encodeURIComponent(site)}&since=${Date.now() - HOUR}`);
    const { samples } = await res.json();
    const data = [[], [], [], [], []];
    state.series.set(site, data);
    for (const s of samples) push(data, s);
    const box = el('div', { class: 'chart', 'data-chart': site }, el('h4', {}, `${site}: CPU % and memory MB`));
    $('charts').append(box);
    const width = Math.max(280, box.clientWidth - 16);
    const chart = new uPlot({
      width, height: 200,
      scales: { x: { time: true }, mb: {} },
      series: [
        {},
        { label: 'host CPU %', stroke: '#98a2b3', width: 1.5 },
        { label: 'turtle CPU %', stroke: '#1b7f3b', width: 2 },
        { label: 'host MB', stroke: '#b2ccff', width: 1.5, scale: 'mb', dash: [4, 4] },
        { label: 'turtle MB', stroke: '#2e90fa', width: 2, scale: 'mb', dash: [4, 4] },
      ],
      axes: [{}, { label: '%' }, { side: 1, scale: 'mb', label: 'MB', grid: { show: false } }],
    }, data, box);
    state.charts.set(site, chart);
  }

  // charts follow the page's width (a phone turned, a window resized)
  window.addEventListener('resize', () => {
    for (const [site, chart] of state.charts) {
      const box = document.querySelector(`[data-chart="${site}"]`);
      if (chart && box) chart.setSize({ width: Math.max(240, box.clientWidth - 16), height: 200 });
    }
  });

  function push(data, s) {
    data[0].push(s.at / 1000);
    data[1].push(s.hostCpu ?? null);
    data[2].push(s.turtleCpu);
    data[3].push(s.hostMem === undefined ? null : s.hostMem / 1048576);
    data[4].push(s.turtleMem / 1048576);
    while (data[0].length > 2000) for (const col of data) col.shift();
  }

  // ---- logs ----
  function renderLogChoices(s) {
    const select = $('log-service');
    const names = [...new Set(s.sites.flatMap((x) => x.services.map((v) => v.name)))].sort();
    if (select.options.length === names.length && [...select.options].every((o, i) => o.value === names[i])) return;
    select.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
    if (names.includes(state.logService)) select.value = state.logService;
    else if (names.length) chooseLogs(names[0]);
  }

  async function chooseLogs(service) {
    state.logService = service;
    const res = await fetch(`api/v1/logs?service=${encodeURIComponent(service)}&limit=200`);
    const { lines } = await res.json();
    $('logs').textContent = '';
    appendLogs(lines);
  }

  function appendLogs(lines) {
    const pre = $('logs');
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    const text = lines.filter((l) => l.service === state.logService).map((l) => `${l.site}/${l.service}#${l.replica} ${l.text}\n`).join('');
    if (!text) return;
    pre.append(text);
    if (pre.textContent.length > 200_000) pre.textContent = pre.textContent.slice(-100_000);
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  }
  $('log-service').addEventListener('change', (e) => chooseLogs(e.target.value));

  // ---- live updates ----
  function connect() {
    const source = new EventSource('api/v1/stream');
    source.addEventListener('open', () => { $('live').className = 'live on'; $('live').textContent = 'live'; });
    source.addEventListener('error', () => { $('live').className = 'live off'; $('live').textContent = 'reconnecting'; });
    source.addEventListener('summary', (e) => render(JSON.parse(e.data)));
    source.addEventListener('logs', (e) => appendLogs(JSON.parse(e.data)));
    source.addEventListener('sample', (e) => {
      const { site, sample } = JSON.parse(e.data);
      const data = state.series.get(site);
      const chart = state.charts.get(site);
      if (!data || !chart) return;
      push(data, sample);
      chart.setData(data);
    });
  }

  fetch('api/v1/summary').then((r) => r.json()).then(render).catch(() => undefined).finally(connect);
})();
