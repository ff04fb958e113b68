#!/usr/bin/env node
// The `turtle` command: runs the compiled CLI (npm run build). `turtle agent` runs a bundle of the agent
// alone, so the daemon's memory holds none of the other commands.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const main = new URL(command(args) === 'agent' ? '../dist/turtle-agent.mjs' : '../dist/turtle.mjs', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('error: turtle is not built yet\nhint: run `npm run build` in ' + fileURLToPath(new URL('..', import.meta.url)));
  process.exit(4);
}
const { main: run } = await import(main.href);
process.exitCode = await run(args);

/** The first argument that is neither a global option nor its value. */
function command(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-f' || a === '--file' || a === '--state' || a === '--identity') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}
