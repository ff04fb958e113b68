// The turtle command line: thin commands over the library; errors become messages and exit codes here only.
import type { Command } from 'commander';
import { program, run } from './_program.js';
import * as validate from './commands/validate.js';
import * as plan from './commands/plan.js';
import * as drift from './commands/drift.js';
import * as deploy from './commands/deploy.js';
import * as rollback from './commands/rollback.js';
import * as ps from './commands/ps.js';
import * as lifecycle from './commands/lifecycle.js';
import * as logs from './commands/logs.js';
import * as top from './commands/top.js';
import * as history from './commands/history.js';
import * as status from './commands/status.js';
import * as ca from './commands/ca.js';
import * as agent from './commands/agent.js';
import * as probe from './commands/probe.js';
import * as decide from './commands/decide.js';
import * as optimise from './commands/optimise.js';
import * as observer from './commands/observer.js';
import * as importer from './commands/import.js';
import * as secret from './commands/secret.js';
import * as auditCommand from './commands/audit.js';
import * as lock from './commands/lock.js';

export function buildProgram(): Command {
  return program([validate, importer, plan, drift, deploy, rollback, ps, lifecycle, logs, top, history, status, secret, auditCommand, lock, ca, probe, agent, decide, optimise, observer]);
}

export async function main(argv: string[]): Promise<number> {
  return run(buildProgram(), followAfterLogs(argv));
}

/** Global options that take a value (their value is not the command). */
const VALUED = new Set(['-f', '--file', '--state', '--identity']);

/**
 * After `logs`, `-f` means follow, as in `docker logs -f`; before the command it names the spec. Commander
 * would give every `-f` to the global option, wherever it stands.
 */
export function followAfterLogs(argv: readonly string[]): string[] {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) i += VALUED.has(argv[i]!) ? 2 : 1;
  if (argv[i] !== 'logs') return [...argv];
  return argv.map((a, j) => (j > i && a === '-f' ? '--follow' : a));
}
