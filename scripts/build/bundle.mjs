// Bundles the compiled CLI (dist/src/cli/main.js) into one file, dist/turtle.mjs, which bin/turtle.js runs,
// and `turtle agent` alone into dist/turtle-agent.mjs (the long-running daemon loads nothing else).
// One file loads much faster than hundreds of modules; better-sqlite3 stays outside (native addon).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const empty = fileURLToPath(new URL('./empty-module.cjs', import.meta.url));
const bundles = [
  ['dist/src/cli/main.js', 'dist/turtle.mjs'],
  ['dist/src/cli/agent-main.js', 'dist/turtle-agent.mjs'],
];
for (const [entry, outfile] of bundles) await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'cpu-features'],
  alias: { '@grpc/grpc-js': empty, '@grpc/proto-loader': empty, ssh2: empty },
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __turtleRequire } from 'node:module'; const require = __turtleRequire(import.meta.url);" },
  logLevel: 'warning',
});
