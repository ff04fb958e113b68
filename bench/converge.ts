// npm run bench:converge — 50 services converged from empty by `turtle deploy` and by Debian's
// `docker-compose up -d` (Compose v1) on the equivalent compose file, same engine, the tool going first
// alternating by round; then each tool's no-op redeploy (turtle's with its engine calls), and turtle's own
// start-up (`turtle --version`). Prints medians and ratios. BENCH_SERVICES, BENCH_ROUNDS, BENCH_NOOPS
// size it. Needs `bash scripts/engines.sh start`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../test/helpers/stats.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const NOOPS = Number(process.env.BENCH_NOOPS ?? 5);
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
const composeFile = join(dir, 'docker-compose.yml');
writeFileSync(composeFile, ['version: "3.8"', 'services:', ...names.map((n) => `  ${n}: { image: "${IMAGE}", restart: unless-stopped }`)].join('\n'));

const env = { ...process.env, DOCKER_HOST: ENGINE, TURTLE_STATE: join(dir, 'state.db'), COMPOSE_PROJECT_NAME: 'benchc' };
const turtle = ['bin/turtle.js', '-f', join(dir, 'turtle.yaml')];
const compose = ['-f', composeFile];

function run(cmd: string, args: string[]): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', cwd: process.cwd() });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return { ms, stdout: r.stdout };
}
const timed = (cmd: string, args: string[]) => run(cmd, args).ms;

function clean(): void {
  const ids = execFileSync('docker', ['-H', ENGINE, 'ps', '-aq', '--filter', 'label=io.turtle.project=bench'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (ids.length) execFileSync('docker', ['-H', ENGINE, 'rm', '-f', ...ids], { stdio: 'ignore' });
  spawnSync('docker-compose', [...compose, 'down', '--timeout', '1'], { env, stdio: 'ignore' });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const list = (xs: number[]) => xs.map(s).join(', ');

const peer = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).trim();
const turtleRuns: number[] = [];
const composeRuns: number[] = [];
try {
  clean();
  console.log(`peer: docker-compose ${peer} (Debian's Compose v1)`);
  const startup = Array.from({ length: NOOPS }, () => timed('node', ['bin/turtle.js', '--version']));
  const bare = Array.from({ length: NOOPS }, () => timed('node', ['-e', '0']));
  console.log(`converging ${SERVICES} services from empty on ${ENGINE}, ${ROUNDS} rounds, the first tool alternating`);
  for (let round = 1; round <= ROUNDS; round++) {
    const turtleFirst = round % 2 === 1;
    const order = turtleFirst ? (['turtle', 'compose'] as const) : (['compose', 'turtle'] as const);
    const got: Record<string, number> = {};
    for (const tool of order) {
      got[tool] = tool === 'turtle' ? timed('node', [...turtle, 'deploy']) : timed('docker-compose', [...compose, 'up', '-d']);
      clean();
    }
    turtleRuns.push(got.turtle!);
    composeRuns.push(got.compose!);
    console.log(`  round ${round} (${order[0]} first): turtle ${s(got.turtle!)}  docker-compose ${s(got.compose!)}`);
  }
  // the no-ops: both tools' containers up side by side, each redeployed unchanged, alternating which goes first
  timed('node', [...turtle, 'deploy']);
  timed('docker-compose', [...compose, 'up', '-d']);
  const turtleNoop: number[] = [];
  const composeNoop: number[] = [];
  let calls = { mutating: -1, read: -1 };
  const noop = {
    turtle: () => {
      const r = run('node', [...turtle, 'deploy', '--json']);
      turtleNoop.push(r.ms);
      const result = JSON.parse(r.stdout) as { outcome: string; sites: { engineCalls: typeof calls }[] };
      if (result.outcome !== 'no-op') throw new Error(`the redeploy was not a no-op: ${result.outcome}`);
      calls = result.sites[0]!.engineCalls;
    },
    compose: () => composeNoop.push(timed('docker-compose', [...compose, 'up', '-d'])),
  };
  for (let i = 0; i < NOOPS; i++) {
    for (const tool of i % 2 === 0 ? (['turtle', 'compose'] as const) : (['compose', 'turtle'] as const)) noop[tool]();
  }
  const ratio = median(turtleRuns) / median(composeRuns);
  console.log('');
  console.log(`node -e 0            median ${s(median(bare))}  (${list(bare)})`);
  console.log(`turtle --version     median ${s(median(startup))}  (${list(startup)})  the CLI's own start-up`);
  console.log(`turtle deploy        median ${s(median(turtleRuns))}  (${list(turtleRuns)})`);
  console.log(`docker-compose up -d median ${s(median(composeRuns))}  (${list(composeRuns)})`);
  console.log(`ratio turtle/compose ${ratio.toFixed(2)}x  (target <= 0.7x)`);
  console.log(`turtle no-op         median ${s(median(turtleNoop))}  (${list(turtleNoop)}), ${calls.mutating} mutating and ${calls.read} read engine calls  (target <= 0.3 s, <= 3 reads)`);
  console.log(`compose no-op        median ${s(median(composeNoop))}  (${list(composeNoop)})`);
  console.log(`no-op ratio          ${(median(turtleNoop) / median(composeNoop)).toFixed(2)}x`);
} finally {
  clean();
  rmSync(dir, { recursive: true, force: true });
}
