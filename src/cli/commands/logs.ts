// `turtle logs [-f] <service>`: every replica on every selected site, merged in time order.
import type { Command } from 'commander';
import { TurtleError } from '../../lib/errors.js';
import { collectInOrder, followInOrder, type LabelledLine, type LogSource } from '../../client/index.js';
import { printable } from '../output.js';
import { connectSite, loadSpec, requireService, selectSites, type GlobalOptions } from '../context.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('logs <service>')
    .description("show a service's logs from every site, merged in time order")
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('-n, --tail <lines>', 'lines from the end of each container', parseTail, 100)
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'one JSON object per line')
    .option('--raw', 'print control characters (escape sequences) from the containers as they are')
    .action(async (service: string, opts: { follow?: boolean; tail: number; site?: string; json?: boolean; raw?: boolean }) => {
      const spec = loadSpec(globals());
      requireService(spec, service);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const sources: LogSource[] = [];
      for (const site of selectSites(spec, opts.site)) {
        const client = await connectSite(spec, site, globals());
        sources.push(...(await client.logs(service, { tail: opts.tail, follow: opts.follow ?? false, signal: abort.signal })));
      }
      if (sources.length === 0) throw new TurtleError(`${service} has no containers`, { hint: 'run `turtle deploy`' });
      const shown = opts.raw ? (t: string) => t : printable;
      const print = ({ label, line: l }: LabelledLine) =>
        console.log(opts.json ? JSON.stringify({ source: label, ...l, text: shown(l.text) }) : `${label} ${l.time} | ${shown(l.text)}`);
      if (!opts.follow) {
        for (const l of await collectInOrder(sources)) print(l);
        return;
      }
      try {
        for await (const l of followInOrder(sources)) print(l);
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    });
}

function parseTail(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 10_000) {
    throw new TurtleError(`--tail expects a whole number of lines up to 10000, got \`${value}\``, { exitCode: 1, hint: 'for example --tail 50' });
  }
  return n;
}
