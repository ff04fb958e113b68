#!/usr/bin/env node
// The `turtle` command: runs the compiled CLI (npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/turtle.mjs', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('error: turtle is not built yet\nhint: run `npm run build` in ' + fileURLToPath(new URL('..', import.meta.url)));
  process.exit(4);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
