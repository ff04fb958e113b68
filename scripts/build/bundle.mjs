// Bundles the compiled CLI (dist/src/cli/main.js) into one file, dist/turtle.mjs, which bin/turtle.js runs.
// One file loads much faster than hundreds of modules; better-sqlite3 stays outside (native addon).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const empty = fileURLToPath(new URL('./empty-module.cjs', import.meta.url));
await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/turtle.mjs',
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
