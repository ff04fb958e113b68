// Bundles the compiled CLI (dist/src/cli/main.js) into one file, dist/turtle.mjs, which bin/turtle.js runs,
// and `turtle agent` alone into dist/turtle-agent.mjs (the long-running daemon loads nothing else).
// One file loads much faster than hundreds of modules; better-sqlite3 stays outside (native addon).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const empty = fileURLToPath(new URL('./empty-module.cjs', import.meta.url));
// The agent's bundle is minified: its source text stays in the daemon's heap for as long as it runs.
const bundles = [
  ['dist/src/cli/main.js', 'dist/turtle.mjs', false],
  ['dist/src/cli/agent-main.js', 'dist/turtle-agent.mjs', process.env.TURTLE_MINIFY !== '0'],
];
for (const [entry, outfile, minify] of bundles) await build({
  entryPoints: [entry],
  outfile,
  minify,
  keepNames: minify,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'cpu-features'],
  // dockerode loads SSH, BuildKit's gRPC session and protobuf (for BuildKit build status) eagerly; turtle
  // never builds images nor dials over SSH, and leaving them out saves start-up time and the agent's memory.
  alias: { '@grpc/grpc-js': empty, '@grpc/proto-loader': empty, ssh2: empty, protobufjs: empty },
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __turtleRequire } from 'node:module'; const require = __turtleRequire(import.meta.url);" },
  logLevel: 'warning',
});
