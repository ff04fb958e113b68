// Shared by bench:agent and bench:heal: a real agent process on the private Docker engine, supervising
// N copies of the busybox web image with turtle's http probe. Everything it starts is removed by `close`.
import { readFileSync } from 'node:fs';
import { parseSpec, servicesForSite } from '../src/spec/index.js';
import { renderSite } from '../src/domain/render.js';
import { specHash } from '../src/converge/deploy.js';
import { createRuntime } from '../src/runtime/index.js';
import { AgentFixture, api, until, type Identity } from '../test/helpers/agent.js';

export const ENDPOINT = process.env.TURTLE_TEST_DOCKER || 'unix:///run/turtle-test/docker.sock';

/**
 * The image's httpd, but the health file is written at every start: a service whose health endpoint broke
 * (bench:heal deletes the file) is mended by a restart, as a real one with a wedged state would be.
 */
export const WEB_COMMAND = ['sh', '-c', "trap 'exit 0' TERM; echo ok > /www/health; httpd -f -p 80 -h /www & wait"];

/** The Node options the agent's systemd unit, procd script and container set (test/unit/deploy-files checks). */
export const AGENT_NODE_OPTIONS = '--max-semi-space-size=1 --max-old-space-size=64';
/** glibc's setting the systemd unit and the container set (test/unit/deploy-files checks): freed heap goes back at once. */
export const AGENT_MALLOC = { MALLOC_TRIM_THRESHOLD_: '0' };
/**
 * V8 flags NODE_OPTIONS does not accept, so the three ways to run the agent put them on node's command line:
 * no optimising compiler and no V8 worker threads (the agent's JavaScript is never hot; together with the
 * minified bundle they take ~12 MB off its RSS), and a heap that favours size over speed.
 */
export const AGENT_NODE_FLAGS = '--single-threaded --lite-mode --optimize-for-size';

/** `hostPorts`: service i publishes its port 80 on host port hostPorts[i] (bench:heal reads it as a client would). */
export async function startSite(services: number, env: Record<string, string> = { NODE_OPTIONS: AGENT_NODE_OPTIONS, ...AGENT_MALLOC, TURTLE_GOVERNOR: 'on' }, nodeArgs: string[] = AGENT_NODE_FLAGS.split(' '), hostPorts: number[] = []) {
  const project = `bench-agent-${process.pid}`;
  const agent = new AgentFixture('dc1', 'docker', ENDPOINT);
  await agent.init();
  const operator: Identity = await agent.identity('operator', 'bench');
  await agent.start(env, { resyncS: 30, nodeArgs });
  const names = Array.from({ length: services }, (_, i) => `web${i + 1}`);
  const spec = parseSpec(
    `version: 1\nproject: ${project}\nsites:\n  dc1: { engine: "${ENDPOINT}", capacity: { cpus: 2, memory: 2g } }\nservices:\n` +
      names.map((n, i) => `  ${n}:\n    image: turtle-test/web:1\n    command: ${JSON.stringify(WEB_COMMAND)}\n    probe: { http: { port: 80, path: /health } }\n` + (hostPorts[i] ? `    ports: ["${hostPorts[i]}:80"]\n` : '')).join(''),
    'turtle.yaml', {},
  );
  const desired = { project, specHash: specHash(spec), containers: renderSite(servicesForSite(spec, 'dc1'), { project, site: 'dc1' }) };
  const put = await api(agent.port, operator, 'PUT', '/v1/desired', JSON.stringify(desired));
  if (put.status !== 202) throw new Error(`push failed: ${put.text}`);
  const runtime = createRuntime({ kind: 'docker', endpoint: ENDPOINT });
  await until(`${services} containers running`, async () => ((await runtime.list(project)).filter((c) => c.state === 'running').length === services ? true : undefined), 180_000);
  return {
    agent, operator, runtime, project, names,
    async close() {
      await agent.kill();
      for (const c of await runtime.list(project)) await runtime.remove(c.id);
      agent.remove();
    },
  };
}

/** RSS in bytes and CPU time (user + system) in seconds of a process, from /proc. */
export function sample(pid: number): { rss: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rss, cpuS: ticks / 100 };
}
