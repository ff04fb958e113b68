// `turtle agent --site NAME`: the site daemon (reconcile loop, health, mutual-TLS API) in the foreground.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import type { RuntimeKind } from '../../domain/types.js';
import { DEFAULT_ENGINE } from '../../spec/default-engine.js';
import { Store } from '../../store/index.js';
import { Agent } from '../../agent/index.js';
import type { GlobalOptions } from '../context.js';

interface AgentFlags {
  site: string;
  listen: string;
  tlsDir: string;
  runtime?: string;
  engine?: string;
  resync: number;
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
    .option('--resync <seconds>', 'full resync interval', (v) => Number(v), 30)
    .action(async (flags: AgentFlags) => {
      const g = globals();
      // loaded only when there is a spec to read: a router running just the agent never builds the schema
      const site = existsSync(g.file) ? (await import('../../spec/index.js')).loadSpecFile(g.file).sites[flags.site] : undefined;
      const runtime = (flags.runtime ?? site?.runtime ?? 'docker') as RuntimeKind;
      if (runtime !== 'docker' && runtime !== 'podman') {
        throw new TurtleError(`unknown runtime \`${runtime}\``, { exitCode: ExitCode.invalid, hint: 'use docker or podman' });
      }
      const m = /^(.+):(\d{1,5})$/.exec(flags.listen);
      if (!m || Number(m[2]) > 65_535) {
        throw new TurtleError(`--listen expects host:port, got \`${flags.listen}\``, { exitCode: ExitCode.invalid, hint: 'for example 0.0.0.0:7443' });
      }
      for (const file of ['cert.pem', 'key.pem', 'ca.pem']) {
        if (!existsSync(`${flags.tlsDir}/${file}`)) {
          throw new TurtleError(`${flags.tlsDir}/${file} is missing`, {
            exitCode: ExitCode.invalid,
            hint: `issue the agent's certificate: turtle ca issue --role agent --name ${flags.site} --host <its address> --out ${flags.tlsDir}`,
          });
        }
      }
      const store = Store.open(g.state ?? process.env.TURTLE_STATE ?? '/var/lib/turtle/agent.db');
      const agent = new Agent({
        site: flags.site,
        runtime,
        engine: flags.engine ?? site?.engine ?? DEFAULT_ENGINE[runtime],
        store,
        tlsDir: flags.tlsDir,
        host: (m[1] as string).replace(/^\[|\]$/g, ''),
        port: Number(m[2]),
        resyncMs: flags.resync * 1000,
      });
      const { port } = await agent.start();
      console.log(`turtle agent: site ${flags.site}, ${runtime} at ${flags.engine ?? site?.engine ?? DEFAULT_ENGINE[runtime]}, listening on https://${m[1]}:${port}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await agent.stop();
      store.close();
    });
}
