// bench:heal's three supervisors of the same busybox web service: turtle's agent, Docker's restart policy
// (`restart: always` and a HEALTHCHECK) on the private test engine, and a single-node Swarm service on a
// dockerd of the bench's own (scripts/bench-swarm.sh). Each gives its services' addresses, the main process
// of a service's current container (faults are injected from the host, the same way for all three), and
// when it noticed a fault: from the agent's events, or the engine's (`die`, `health_status: unhealthy`).
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '../test/helpers/agent.js';
import { engineRequest } from '../test/helpers/engines.js';
import { ENDPOINT, WEB_COMMAND, startSite } from './_agent-site.js';

export type Kind = 'kill' | 'fail' | 'hang';

export interface Target {
  service: string;
  host: string;
  port: number;
}

/** One engine event, as /events gives it. */
export interface EngineEvent {
  action: string;
  id: string;
  at: number;
  service: string | undefined;
}

export interface Peer {
  name: string;
  targets: Target[];
  /** the host PID of the main process (the shell) of the service's running container, and the engine's health of it */
  pid(t: Target): Promise<Running>;
  /** when the peer noticed the fault injected at `at` (ms since the epoch), if it did */
  noticed(t: Target, kind: Kind, at: number): Promise<number | undefined>;
  /** the engine's container events between `at` and now */
  engineEvents(at: number): Promise<EngineEvent[]>;
  /** turtle's governor as the agent reports it (turtle only) */
  governor?(): Promise<{ mode: string; busy: string | null }>;
  /** what the peer is, in one line: its settings */
  describe: string;
  close(): Promise<void>;
}

/** The probe turtle runs by default, given to the peers as their health check. */
const HEALTH = { intervalS: 2, timeoutMs: 800, retries: 2 };
const WGET = ['wget', '-q', '-O', '/dev/null', 'http://127.0.0.1/health'];

export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '0.0.0.0', () => ok(s));
  })));
  for (const s of servers) ports.push((s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

async function engineEvents(endpoint: string, at: number, serviceOf: (attrs: Record<string, string>, id: string) => string | undefined): Promise<EngineEvent[]> {
  const since = Math.floor(at / 1000) - 1;
  const until = Math.ceil(Date.now() / 1000) + 1;
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'] }));
  const r = await engineRequest(endpoint, 'GET', `/events?since=${since}&until=${until}&filters=${filters}`);
  const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { Action: string; id: string; timeNano: number; Actor: { Attributes: Record<string, string> } })
    .map((e) => ({ action: e.Action, id: e.id, at: e.timeNano / 1e6, service: serviceOf(e.Actor.Attributes, e.id) }))
    .filter((e) => e.at >= at);
}

/** The first engine event after `at` that says the engine saw the fault: an exit, or a failed health check. */
function engineNoticed(events: EngineEvent[], service: string, kind: Kind): number | undefined {
  return events.find((e) => e.service === service && (kind === 'kill' ? e.action === 'die' : e.action.startsWith('health_status: unhealthy')))?.at;
}

export interface Running {
  pid: number;
  /** the engine's own health check's status (none: no check) */
  health: string;
}

async function pidOf(endpoint: string, id: string): Promise<Running> {
  const r = await engineRequest(endpoint, 'GET', `/containers/${id}/json`);
  const state = (r.body as { State?: { Pid?: number; Health?: { Status?: string } } }).State;
  if (!state?.Pid) throw new Error(`container ${id} has no running process`);
  return { pid: state.Pid, health: state.Health?.Status ?? 'none' };
}

export async function turtlePeer(services: number): Promise<Peer> {
  const ports = await freePorts(services);
  const site = await startSite(services, undefined, undefined, ports);
  const targets = site.names.map((service, i) => ({ service, host: '127.0.0.1', port: ports[i]! }));
  type Ev = { seq: number; type: string; service?: string; time: string };
  const events = async () => ((await api(site.agent.port, site.operator, 'GET', `/v1/events?after=${mark}&limit=10000`)).body as { events: Ev[] }).events;
  let mark = 0;
  const byId = new Map<string, string>();
  return {
    name: 'turtle agent', targets,
    describe: `turtle's agent (probe every ${HEALTH.intervalS} s, timeout ${HEALTH.timeoutMs} ms, ${HEALTH.retries} failures; restart backoff from 1 s; governor on)`,
    async pid(t) {
      const c = (await site.runtime.list(site.project)).find((x) => x.service === t.service && x.state === 'running');
      if (!c) throw new Error(`${t.service} has no running container`);
      byId.set(c.id, t.service);
      return pidOf(ENDPOINT, c.id);
    },
    async noticed(t, _kind, at) {
      const e = (await events()).find((x) => x.type === 'health.failed' && x.service === t.service && Date.parse(x.time) >= at - 5);
      return e ? Date.parse(e.time) : undefined;
    },
    engineEvents: (at) => engineEvents(ENDPOINT, at, (a) => a['io.turtle.service']),
    async governor() {
      const g = ((await api(site.agent.port, site.operator, 'GET', '/v1/governor')).body as { governor: { mode: string; busy: string | null } | null }).governor;
      return g ?? { mode: 'off', busy: null };
    },
    async close() {
      await site.close();
    },
  };
}

export async function dockerPeer(services: number): Promise<Peer> {
  const ports = await freePorts(services);
  const tag = `bench-heal-docker-${process.pid}`;
  const ids: string[] = [];
  const targets: Target[] = [];
  const close = async () => {
    for (const id of ids) await engineRequest(ENDPOINT, 'DELETE', `/containers/${id}?force=true`).catch(() => undefined);
  };
  try {
    for (let i = 0; i < services; i++) {
      const service = `dweb${i + 1}`;
      const made = await engineRequest(ENDPOINT, 'POST', `/containers/create?name=${tag}-${service}`, {
        Image: 'turtle-test/web:1', Cmd: WEB_COMMAND, Labels: { 'bench.heal': tag, 'bench.service': service }, ExposedPorts: { '80/tcp': {} },
        Healthcheck: { Test: ['CMD', ...WGET], Interval: HEALTH.intervalS * 1e9, Timeout: HEALTH.timeoutMs * 1e6, Retries: HEALTH.retries },
        HostConfig: { RestartPolicy: { Name: 'always' }, PortBindings: { '80/tcp': [{ HostPort: String(ports[i]) }] } },
      });
      if (made.status !== 201) throw new Error(`docker create: ${made.status} ${JSON.stringify(made.body)}`);
      const id = (made.body as { Id: string }).Id;
      ids.push(id);
      const started = await engineRequest(ENDPOINT, 'POST', `/containers/${id}/start`);
      if (started.status !== 204) throw new Error(`docker start: ${started.status} ${JSON.stringify(started.body)}`);
      targets.push({ service, host: '127.0.0.1', port: ports[i]! });
    }
  } catch (err) {
    await close();
    throw err;
  }
  const engineEventsHere = (at: number) => engineEvents(ENDPOINT, at, (a) => a['bench.service']);
  return {
    name: 'docker restart', targets,
    describe: `Docker ${dockerVersion(ENDPOINT)}: restart: always, HEALTHCHECK wget every ${HEALTH.intervalS} s, timeout ${HEALTH.timeoutMs} ms, ${HEALTH.retries} retries`,
    pid: (t) => pidOf(ENDPOINT, ids[targets.indexOf(t)]!),
    noticed: async (t, kind, at) => engineNoticed(await engineEventsHere(at), t.service, kind),
    engineEvents: engineEventsHere,
    close,
  };
}

const SWARM_SCRIPT = 'scripts/bench-swarm.sh';

export function stopSwarm(): void {
  execFileSync('bash', [SWARM_SCRIPT, 'stop'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function swarmPeer(services: number): Promise<Peer> {
  const out = execFileSync('bash', [SWARM_SCRIPT, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const socket = /^SOCKET=(.+)$/m.exec(out)?.[1];
  const host = /^ADDR=(.+)$/m.exec(out)?.[1];
  if (!socket || !host) throw new Error(`${SWARM_SCRIPT} start printed no SOCKET= and ADDR=:\n${out}`);
  const docker = (...args: string[]) => execFileSync('docker', ['-H', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const targets: Target[] = [];
  // the namespace has its own ports: any fixed ones will do
  for (let i = 0; i < services; i++) {
    const service = `sweb${i + 1}`;
    const port = 18081 + i;
    docker('service', 'create', '-d', '--name', service, '--endpoint-mode', 'dnsrr', '--publish', `mode=host,target=80,published=${port}`,
      '--health-cmd', WGET.join(' '), '--health-interval', `${HEALTH.intervalS}s`, '--health-timeout', `${HEALTH.timeoutMs}ms`, '--health-retries', String(HEALTH.retries),
      'turtle-test/web:1', ...WEB_COMMAND);
    targets.push({ service, host, port });
  }
  const engineEventsHere = (at: number) => engineEvents(socket, at, (a) => a['com.docker.swarm.service.name']);
  return {
    name: 'swarm service', targets,
    describe: `Docker ${dockerVersion(socket)} Swarm (one node, its own dockerd): a service per web, endpoint_mode dnsrr, host-mode port, the same health check, restart condition any, restart delay 5 s (Swarm's default)`,
    async pid(t) {
      // a task may be between containers (Swarm replaces one whose check failed): wait for the running one
      const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.swarm.service.name=${t.service}`], status: ['running'] }));
      for (const end = Date.now() + 60_000; ; await sleep(250)) {
        const list = (await engineRequest(socket, 'GET', `/containers/json?filters=${filters}`)).body as { Id: string }[];
        if (Array.isArray(list) && list[0]) return pidOf(socket, list[0].Id);
        if (Date.now() > end) throw new Error(`${t.service} has had no running task for 60 s: ${JSON.stringify(list)}`);
      }
    },
    noticed: async (t, kind, at) => engineNoticed(await engineEventsHere(at), t.service, kind),
    engineEvents: engineEventsHere,
    async close() {
      stopSwarm();
    },
  };
}

function dockerVersion(endpoint: string): string {
  try {
    return execFileSync('docker', ['-H', endpoint, 'version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
  } catch {
    return '(version unknown)';
  }
}
