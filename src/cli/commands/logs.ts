// `turtle logs [-f] <service>`: every replica on every selected site, merged in time order.
import type { Command } from 'commander';
import { TurtleError } from '../../lib/errors.js';
import type { LogLine } from '../../runtime/types.js';
import { connect, loadSpec, requireService, selectSites, type GlobalOptions } from '../context.js';

interface Source {
  label: string;
  lines: AsyncIterable<LogLine>;
}

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('logs <service>')
    .description("show a service's logs from every site, merged in time order")
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('-n, --tail <lines>', 'lines from the end of each container', parseTail, 100)
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--json', 'one JSON object per line')
    .action(async (service: string, opts: { follow?: boolean; tail: number; site?: string; json?: boolean }) => {
      const spec = loadSpec(globals());
      requireService(spec, service);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const sources: Source[] = [];
      for (const site of selectSites(spec, opts.site)) {
        const runtime = await connect(site);
        for (const c of await runtime.list(spec.project)) {
          if (c.site !== site.name || c.service !== service) continue;
          const lines = runtime.logs(c.id, { tail: opts.tail, follow: opts.follow ?? false, signal: abort.signal });
          sources.push({ label: `${site.name}/${service}#${c.replica}`, lines });
        }
      }
      if (sources.length === 0) throw new TurtleError(`${service} has no containers`, { hint: 'run `turtle deploy`' });
      const print = (label: string, l: LogLine) =>
        console.log(opts.json ? JSON.stringify({ source: label, ...l }) : `${label} ${l.time} | ${l.text}`);
      if (!opts.follow) {
        const all = (await Promise.all(sources.map(collect))).flat();
        for (const { label, line } of all.sort((a, b) => a.line.time.localeCompare(b.line.time))) print(label, line);
        return;
      }
      await Promise.all(
        sources.map(async (s) => {
          try {
            for await (const line of s.lines) print(s.label, line);
          } catch (err) {
            if (!abort.signal.aborted) throw err;
          }
        }),
      );
    });
}

async function collect(source: Source): Promise<{ label: string; line: LogLine }[]> {
  const out: { label: string; line: LogLine }[] = [];
  for await (const line of source.lines) out.push({ label: source.label, line });
  return out;
}

function parseTail(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new TurtleError(`--tail expects a whole number of lines, got \`${value}\``, { exitCode: 1, hint: 'for example --tail 50' });
  }
  return n;
}
