// `turtle history [ID]`: past deployments from the store, with each site's outcome and steps.
import type { Command } from 'commander';
import { TurtleError, ExitCode } from '../../lib/errors.js';
import type { Deployment } from '../../store/index.js';
import { openStore, type GlobalOptions } from '../context.js';
import { ago, printJson, seconds, table } from '../output.js';
import { wholeNumber } from '../_flags.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('history [id]')
    .description('past deployments (newest first), or the steps of one')
    .option('-n, --limit <count>', 'how many deployments', wholeNumber('--limit', 'a whole number of deployments', 20, { min: 1 }), 20)
    .option('--json', 'machine-readable output')
    .action((id: string | undefined, opts: { limit: number; json?: boolean }) => {
      const wanted = id === undefined ? undefined : parseId(id);
      const store = openStore(globals());
      try {
        if (wanted !== undefined) return showOne(store.deployments.get(wanted), String(wanted), opts.json);
        const list = store.deployments.list(opts.limit);
        if (opts.json) return printJson(list);
        if (list.length === 0) return console.log('no deployments yet (run `turtle deploy`)');
        console.log(
          table(
            ['ID', 'WHEN', 'COMMAND', 'OUTCOME', 'SITES', 'SPEC'],
            list.map((d) => [
              String(d.id),
              `${ago(d.startedAt)} ago`,
              d.command,
              d.outcome,
              d.sites.map((s) => `${s.site}:${s.outcome}(${s.steps.filter((x) => x.status === 'done').length} steps, ${seconds(s.durationMs)})`).join(' '),
              d.specHash.slice(0, 12),
            ]),
          ),
        );
      } finally {
        store.close();
      }
    });
}

function parseId(id: string): number {
  const n = Number(id);
  if (!Number.isInteger(n) || n < 1) {
    throw new TurtleError(`deployment id must be a positive whole number, got \`${id}\``, { exitCode: ExitCode.invalid, hint: 'see the IDs with `turtle history`' });
  }
  return n;
}

function showOne(d: Deployment | undefined, id: string, json?: boolean): void {
  if (d === undefined) throw new TurtleError(`no deployment ${id}`, { exitCode: ExitCode.invalid, hint: 'see the IDs with `turtle history`' });
  if (json) return printJson(d);
  console.log(`deployment ${d.id}: ${d.outcome} (${d.command}${d.by ? ` by ${d.by}` : ''}, started ${d.startedAt}, spec ${d.specHash.slice(0, 12)})`);
  for (const s of d.sites) {
    console.log(`${s.site}: ${s.outcome} in ${seconds(s.durationMs)}${s.error ? ` - ${s.error}` : ''}`);
    for (const step of s.steps) console.log(`  ${step.status.padEnd(7)} ${step.step}  ${seconds(step.durationMs)}${step.error ? ` - ${step.error}` : ''}`);
  }
}
