// npm run bench:validate — `turtle validate` of a 500-service spec of Compose keys people write (project
// networks, aliases, secrets, volumes, healthchecks, env_file, resources), cold from the command line as
// an operator runs it, beside Debian's `docker-compose config` (Compose v1) on the same file. Also the
// parse alone, in-process. Prints medians. BENCH_SERVICES and BENCH_ROUNDS size it. Needs no engine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecFile } from '../src/spec/index.js';
import { median } from '../test/helpers/stats.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'turtle-bench-validate-'));

const service = (i: number) => {
  const n = `s${String(i).padStart(3, '0')}`;
  return [
    `  ${n}:`,
    `    image: "nginx:1.25"`,
    `    container_name: ${n}-box`,
    `    hostname: ${n}`,
    `    networks: { front: { aliases: [${n}-alias] }, back: {} }`,
    `    expose: ["8080"]`,
    `    environment: [LOG_LEVEL=info, "DB_HOST=db", "TAG=\${TAG:-1}"]`,
    `    env_file: common.env`,
    `    volumes: ["data${i % 10}:/data", "./conf:/etc/conf:ro"]`,
    `    secrets: [pw]`,
    `    healthcheck: { test: ["CMD", "true"], interval: 10s }`,
    `    deploy: { resources: { limits: { memory: 8m } } }`,
    `    cap_drop: [ALL]`,
    `    logging: { driver: json-file, options: { max-size: 1m } }`,
    ...(i > 1 ? [`    depends_on: [s${String(i - 1).padStart(3, '0')}]`] : []),
  ];
};
writeFileSync(join(dir, 'common.env'), 'A=1\nB=two\n');
writeFileSync(join(dir, 'pw.txt'), 'secret\n');
const volumes = ['volumes:', ...Array.from({ length: 10 }, (_, i) => `  data${i}: {}`)];
const tail = ['networks:', '  front: {}', '  back: { internal: true }', ...volumes, 'secrets:', '  pw: { file: ./pw.txt }'];
const services = ['services:', ...Array.from({ length: SERVICES }, (_, i) => service(i + 1)).flat()];
const site = ['sites:', '  dc1: { role: edge, runtime: docker, capacity: { cpus: 64, memory: 64g }, budget: { cpu: 100, memory: 100 } }'];
writeFileSync(join(dir, 'turtle.yaml'), ['name: bench', ...site, ...services, ...tail].join('\n') + '\n');
writeFileSync(join(dir, 'docker-compose.yml'), ['version: "3.8"', ...services.map((l) => l.replace(/^ {4}container_name: .*$/, '    labels: [x=1]')), ...tail.map((l) => l.replace('{ internal: true }', '{ internal: true }'))].join('\n') + '\n');

function time(cmd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: dir, env: { ...process.env, TURTLE_STATE: join(dir, 'state.db') } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout.slice(0, 2000)}`);
  return ms;
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

try {
  const bin = join(process.cwd(), 'bin/turtle.js');
  const turtle = Array.from({ length: ROUNDS }, () => time('node', [bin, 'validate', 'turtle.yaml']));
  const parse = Array.from({ length: ROUNDS }, () => {
    const start = process.hrtime.bigint();
    loadSpecFile(join(dir, 'turtle.yaml'), {});
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
  let peer: string | undefined;
  let compose: number[] = [];
  try {
    peer = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).trim();
    compose = Array.from({ length: ROUNDS }, () => time('docker-compose', ['-f', 'docker-compose.yml', '-p', 'bench', 'config', '-q']));
  } catch (err) {
    console.log(`docker-compose not run: ${(err as Error).message.split('\n')[0]}`);
  }
  console.log(`validating ${SERVICES} services (${ROUNDS} rounds), each with networks, aliases, secrets, volumes, env_file, a healthcheck and limits`);
  console.log(`  turtle validate (cold CLI):        median ${s(median(turtle))}   [${turtle.map(s).join(', ')}]   target ≤ 1 s`);
  console.log(`  turtle's parse alone (in-process): median ${s(median(parse))}`);
  if (peer) console.log(`  docker-compose ${peer} config -q:    median ${s(median(compose))}   ratio turtle/compose ${(median(turtle) / median(compose)).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
