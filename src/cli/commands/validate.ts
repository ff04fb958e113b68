// `turtle validate` and `turtle spec`: check a spec, print the reference generated from the schema.
import type { Command } from 'commander';
import { loadSpecFile, specReference, servicesForSite } from '../../spec/index.js';
import { profiled, type GlobalOptions } from '../context.js';
import { ExitCode, formatIssue, TurtleError } from '../../lib/errors.js';
import { printJson } from '../output.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('validate')
    .argument('[file]', 'the spec to check (default: --file, else turtle.yaml)')
    .description('check turtle.yaml and report every problem at once (exit 1 if any)')
    .option('--json', 'print the normalised spec as JSON (environment values hidden)')
    .option('--show-values', 'with --json: print environment values too (they are often passwords read from ${VAR})')
    .action((file: string | undefined, opts: { json?: boolean; showValues?: boolean }, command: Command) => {
      const fromFlag = command.parent?.getOptionValueSource('file') === 'cli';
      if (file !== undefined && fromFlag && file !== globals().file)
        throw new TurtleError(`two specs to validate: --file ${globals().file} and ${file}`, { exitCode: ExitCode.invalid, hint: 'name one of them' });
      if (opts.showValues && !opts.json) throw new TurtleError('--show-values goes with --json', { exitCode: ExitCode.invalid, hint: 'turtle validate --json --show-values' });
      // always parsed, never cached: validate writes nothing
      const spec = profiled(loadSpecFile(file ?? globals().file), globals());
      // notes go to stderr, so --json stays a document
      for (const note of spec.notes ?? []) process.stderr.write(`note: ${formatIssue(note)}\n`);
      // the hash key is the project's, not the spec's: it keys the versions turtle publishes
      delete spec.hashKey;
      if (opts.json && opts.showValues) return printJson(spec);
      if (opts.json) {
        const hidden = hideEnvValues(spec);
        if (hidden > 0) process.stderr.write(`note: ${hidden} environment value${hidden === 1 ? ' is' : 's are'} shown as ${HIDDEN} (they often hold passwords read from \${VAR}); --show-values prints them\n`);
        return printJson(spec);
      }
      const sites = Object.values(spec.sites);
      const placed = sites.map((s) => `${s.name}: ${servicesForSite(spec, s.name).length}`).join(', ');
      console.log(`${spec.file} is valid: ${sites.length} sites, ${Object.keys(spec.services).length} services (${placed})`);
    });

  program
    .command('spec')
    .description('print the turtle.yaml reference (generated from the schema that validates it)')
    .action(() => {
      process.stdout.write(specReference());
    });
}

const HIDDEN = '<hidden>';

/** Replaces every service's (and overlay's) environment values in place; returns how many. */
function hideEnvValues(value: unknown, key?: string): number {
  if (value === null || typeof value !== 'object') return 0;
  const node = value as Record<string, unknown>;
  if (key === 'env' && !Array.isArray(node)) {
    let n = 0;
    for (const [k, v] of Object.entries(node)) if (typeof v === 'string') { node[k] = HIDDEN; n++; }
    return n;
  }
  return Object.entries(node).reduce((n, [k, v]) => n + hideEnvValues(v, k), 0);
}
