// `turtle agent --site NAME`: the site daemon (reconcile loop, health, mutual-TLS API) in the foreground.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import type { RuntimeKind } from '../../domain/types.js';
import { DEFAULT_ENGINE } from '../../spec/default-engine.js';
import { Store } from '../../store/index.js';
import { createRuntime } from '../../runtime/index.js';
import { closest } from '../../lib/words.js';
import type { GlobalOptions } from '../context.js';
import { checkListen, parseListen, wholeNumber } from '../_flags.js';
import type { SiteSpec } from '../../spec/index.js';

interface AgentFlags {
  site: string;
  listen: string;
  tlsDir: string;
  runtime?: string;
  engine?: string;
  resync: number;
  secretsDir: string;
}

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('agent')
    .description('run the site agent: keeps the site converged and healthy, serves the mutual-TLS API')
    .requiredOption('--site <name>', 'the site this agent runs')
    .option('--listen <host:port>', 'where the API listens', process.env.TURTLE_AGENT_LISTEN ?? '0.0.0.0:7443')
    .option('--tls-dir <dir>', 'cert.pem, key.pem, ca.pem, crl.pem (from `turtle ca issue --role agent`)', process.env.TURTLE_AGENT_TLS ?? '/etc/turtle/agent')
    .option('--runtime <kind>', 'docker | podman (default: the site\'s in turtle.yaml, else docker)')
    .option('--engine <endpoint>', 'the engine API (default: the site\'s in turtle.yaml, else the runtime\'s usual socket)')
    .option('--secrets-dir <dir>', 'where secrets are decrypted to for the containers: a tmpfs, mounted there when it is not one', process.env.TURTLE_AGENT_SECRETS ?? '/run/turtle/secrets')
    .option('--resync <seconds>', 'full resync interval', wholeNumber('--resync', 'a whole number of seconds', 30, { min: 1 }), 30)
    .action(async (flags: AgentFlags) => {
      const g = globals();
      const site = existsSync(g.file) ? await siteInSpec(g.file, flags.site) : undefined;
      const runtime = (flags.runtime ?? site?.runtime ?? 'docker') as RuntimeKind;
      if (runtime !== 'docker' && runtime !== 'podman') {
        throw new TurtleError(`unknown runtime \`${runtime}\``, { exitCode: ExitCode.invalid, hint: 'use docker or podman' });
      }
      const listen = parseListen(flags.listen, '0.0.0.0:7443');
      const engine = flags.engine ?? site?.engine ?? DEFAULT_ENGINE[runtime];
      if (flags.engine !== undefined) checkEngine(runtime, flags.engine);
      for (const file of ['cert.pem', 'key.pem', 'ca.pem']) {
        if (!existsSync(`${flags.tlsDir}/${file}`)) {
          throw new TurtleError(`${flags.tlsDir}/${file} is missing`, {
            exitCode: ExitCode.invalid,
            hint: `issue the agent's certificate: turtle ca issue --role agent --name ${flags.site} --host <its address> --out ${flags.tlsDir}`,
          });
        }
      }
      await checkListen(listen);
      const store = Store.open(g.state ?? process.env.TURTLE_STATE ?? '/var/lib/turtle/agent.db');
      // the whole agent (its API's TLS, metrics, dashboard) loads only here: other commands start without it
      const { Agent } = await import('../../agent/index.js');
      const agent = new Agent({
        site: flags.site,
        runtime,
        engine,
        store,
        tlsDir: flags.tlsDir,
        host: listen.host,
        port: listen.port,
        resyncMs: flags.resync * 1000,
        secretsDir: flags.secretsDir,
      });
      const { port } = await agent.start();
      console.log(`turtle agent: site ${flags.site}, ${runtime} at ${engine}, listening on https://${listen.written}:${port}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await agent.stop();
      store.close();
    });
}

/**
 * The site in the spec the agent found (its runtime and engine are the defaults). Loaded only when there is
 * a spec to read: a router running just the agent never builds the schema. A spec that does not run `name`
 * is a typo or the wrong file, not a reason to guess.
 */
async function siteInSpec(file: string, name: string): Promise<SiteSpec> {
  const spec = (await import('../../spec/index.js')).loadSpecFile(file);
  const site = spec.sites[name];
  const names = Object.keys(spec.sites);
  if (site === undefined) {
    const guess = closest(name, names);
    throw new TurtleError(`unknown site \`${name}\` (sites in ${file}: ${names.join(', ')})`, {
      exitCode: ExitCode.invalid,
      hint: guess ? `did you mean \`${guess}\`? Else -f the spec that names ${name}` : `pass one of them to --site, or -f the spec that names ${name}`,
    });
  }
  if (site.role !== 'edge') {
    throw new TurtleError(`site \`${name}\` is an observer: it runs no services, so it has no agent`, {
      exitCode: ExitCode.invalid,
      hint: 'run the agent on an edge site, and `turtle observer` on this one',
    });
  }
  return site;
}

/** A malformed --engine is refused before the store is opened (the spec's `engine:` was checked with the spec). */
function checkEngine(kind: RuntimeKind, endpoint: string): void {
  try {
    createRuntime({ kind, endpoint });
  } catch (err) {
    if (!(err instanceof TurtleError)) throw err;
    throw new TurtleError(`--engine: ${err.message}`, { exitCode: ExitCode.invalid, ...(err.hint === undefined ? {} : { hint: err.hint }) });
  }
}
