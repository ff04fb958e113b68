// `turtle agent` on its own: the entry point of dist/turtle-agent.mjs, so the daemon never loads (or keeps in
// memory) the modules only other commands use: the spec schema, the optimiser, the decision records, ….
import { program, run } from './_program.js';
import * as agent from './commands/agent.js';

export async function main(argv: string[]): Promise<number> {
  return run(program([agent]), argv);
}
