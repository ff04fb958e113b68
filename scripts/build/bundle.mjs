// Bundles the compiled CLI (dist/src/cli/main.js) into one file, dist/turtle.mjs, which bin/turtle.js runs,
// and `turtle agent` alone into dist/turtle-agent.mjs (the long-running daemon loads nothing else).
// One file loads much faster than hundreds of modules; better-sqlite3 stays outside (native addon).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const empty = fileURLToPath(new URL('./empty-module.cjs', import.meta.url));
// The agent's bundle is minified: its source text stays in the daemon's heap for as long as it runs.
const bundles = [
  ['dist/src/cli/main.js', 'dist/turtle.mjs', false],
  ['dist/src/cli/agent-main.js', 'dist/turtle-agent.mjs', process.env.TURTLE_MINIFY !== '0'],
];
for (const [entry, outfile, minify] of bundles) {
  const { outputFiles } = await build({
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
    write: false,
  });
  for (const file of outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.path.endsWith('.mjs') ? ascii(file.text) : file.contents);
  }
}

/**
 * esbuild escapes non-ASCII characters in strings but not in comments nor regular expressions; one such
 * character makes V8 hold the whole 3 MB source as two-byte text, and Node's decoding of it took 47-51 ms
 * instead of 25-30 (cpu profile of turtle --version). `\uXXXX` means the same in both places (not in a
 * String.raw template: the bundle has none with such a character). Columns after one shift in the source map.
 */
function ascii(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
