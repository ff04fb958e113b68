// npm run bench:converge — 50 services converged from empty by `turtle deploy` and by Debian's
// `docker-compose up -d` on the equivalent compose file, same engine, alternating rounds; then a no-op
// redeploy (time and mutating engine calls). Prints medians and the ratio. Needs `bash scripts/engines.sh start`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../test/helpers/stats.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ENGINE = process.env.TURTLE_TEST_DOCKER ?? 'unix:///run/turtle-test/docker.sock';
const IMAGE = 'turtle-test/web:1';
const dir = mkdtempSync(join(tmpdir(), 'turtle-bench-'));
const names = Array.from({ length: SERVICES }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);

writeFileSync(
  join(dir, 'turtle.yaml'),
  [
    'version: 1',
    'project: bench',
    'sites:',
    `  dc1: { role: edge, runtime: docker, engine: "${ENGINE}", capacity: { cpus: 2, memory: 4g }, budget: { cpu: 100, memory: 100 } }`,
    'services:',
    ...names.map((n) => `  ${n}: { image: "${IMAGE}", restart: unless-stopped }`),
  ].join('\n'),
);
writeFileSync(
  join(dir, 'docker-compose.yml'),
  ['version: "3.8"', 'services:', ...names.map((n) => `  ${n}: { image: "${IMAGE}", restart: unless-stopped }`)].join('\n'),
);

const env = { ...process.env, DOCKER_HOST: ENGINE, TURTLE_STATE: join(dir, 'state.db'), COMPOSE_PROJECT_NAME: 'benchc' };
const turtle = ['bin/turtle.js', '-f', join(dir, 'turtle.yaml')];

function timed(cmd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', cwd: process.cwd() });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return ms;
}

function clean(): void {
  const ids = execFileSync('docker', ['-H', ENGINE, 'ps', '-aq', '--filter', 'label=io.turtle.project=bench'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (ids.length) execFileSync('docker', ['-H', ENGINE, 'rm', '-f', ...ids], { stdio: 'ignore' });
  spawnSync('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'down', '--timeout', '1'], { env, stdio: 'ignore' });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const turtleRuns: number[] = [];
const composeRuns: number[] = [];
try {
  clean();
  console.log(`converging ${SERVICES} services from empty on ${ENGINE}, ${ROUNDS} alternating rounds`);
  for (let round = 1; round <= ROUNDS; round++) {
    const t = timed('node', [...turtle, 'deploy']);
    turtleRuns.push(t);
    clean();
    const c = timed('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'up', '-d']);
    composeRuns.push(c);
    clean();
    console.log(`  round ${round}: turtle ${s(t)}  docker-compose ${s(c)}`);
  }
  timed('node', [...turtle, 'deploy']);
  const noopMs: number[] = [];
  let calls = { mutating: -1, read: -1 };
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync('node', [...turtle, 'deploy', '--json'], { env, encoding: 'utf8' });
    noopMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    calls = JSON.parse(r.stdout).sites[0].engineCalls;
  }
  const ratio = median(turtleRuns) / median(composeRuns);
  console.log('');
  console.log(`turtle deploy        median ${s(median(turtleRuns))}  (${turtleRuns.map(s).join(', ')})`);
  console.log(`docker-compose up -d median ${s(median(composeRuns))}  (${composeRuns.map(s).join(', ')})`);
  console.log(`ratio turtle/compose ${ratio.toFixed(2)}x  (target <= 1.0x)`);
  console.log(`no-op redeploy       median ${s(median(noopMs))}, ${calls.mutating} mutating and ${calls.read} read engine calls  (target <= 1 s, 0 mutating)`);
} finally {
  clean();
  rmSync(dir, { recursive: true, force: true });
}
