// `turtle probe --site NAME`: measures one site's engine (probeSite), stores the probe and prints it with spread.
import type { Command } from 'commander';
import { TurtleError, ExitCode } from '../../lib/errors.js';
import { probeSite, renderProbe } from '../../probe/index.js';
import { connect, loadSpec, openStore, selectSites, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';

interface Options {
  site?: string;
  repeats: string;
  image: string;
  json?: boolean;
}

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('probe')
    .description("measure a site's engine: versions, daemon RSS, start latency, per-container memory, CPU overhead, free capacity")
    .requiredOption('--site <name>', 'the edge site to measure (one)')
    .option('--repeats <count>', 'measurements per quantity (9 or more for CPU overhead on a busy host)', '5')
    .option('--image <ref>', 'an image on the site with busybox sh and its `times` builtin', 'turtle-test/tools:1')
    .option('--json', 'machine-readable output')
    .action(async (opts: Options) => {
      const repeats = parseRepeats(opts.repeats);
      const spec = loadSpec(globals());
      if (opts.site!.includes(',') || opts.site === 'all') {
        throw new TurtleError(`--site takes one site for a probe, got \`${opts.site}\``, { exitCode: ExitCode.invalid, hint: 'probe one site at a time: each probe loads its host' });
      }
      const [site] = selectSites(spec, opts.site);
      const runtime = await connect(site!);
      const probe = await probeSite(runtime, { site: site!.name, image: opts.image, repeats });
      const store = openStore(globals());
      try {
        const id = store.probes.add(probe);
        if (opts.json) return printJson({ id, ...probe });
        process.stdout.write(renderProbe(probe));
        console.log(`stored as probe ${id}`);
      } finally {
        store.close();
      }
    });
}

function parseRepeats(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new TurtleError(`--repeats expects a whole number from 1 to 100, got \`${value}\``, { exitCode: ExitCode.invalid, hint: 'for example --repeats 9' });
  }
  return n;
}
