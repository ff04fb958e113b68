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
    .option('--json', 'print the normalised spec as JSON')
    .action((file: string | undefined, opts: { json?: boolean }, command: Command) => {
      const fromFlag = command.parent?.getOptionValueSource('file') === 'cli';
      if (file !== undefined && fromFlag && file !== globals().file)
        throw new TurtleError(`two specs to validate: --file ${globals().file} and ${file}`, { exitCode: ExitCode.invalid, hint: 'name one of them' });
      // always parsed, never cached: validate writes nothing
      const spec = profiled(loadSpecFile(file ?? globals().file), globals());
      // notes go to stderr, so --json stays a document
      for (const note of spec.notes ?? []) process.stderr.write(`note: ${formatIssue(note)}\n`);
      if (opts.json) return printJson(spec);
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
