// `turtle observer`: the read-only twin of every site (replication, alerts, dashboard) in the foreground;
// `turtle observer fly-config`: the files that run it on Fly.io.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import { loadSpec, selectSites, type GlobalOptions } from '../context.js';
import { checkListen, parseListen, wholeNumber } from '../_flags.js';
import type { ObserverIdentity } from '../../observer/index.js';

interface ObserverFlags {
  listen: string;
  tlsDir: string;
  webhook?: string;
  unreachableAfter: number;
  site?: string;
}

export function register(program: Command, globals: () => GlobalOptions): void {
  const observer = program
    .command('observer')
    .description('run the observer: mirrors every site read-only, raises alerts, serves the dashboard')
    .option('--listen <host:port>', 'where the dashboard and its API listen', process.env.TURTLE_OBSERVER_LISTEN ?? '127.0.0.1:8080')
    .option('--tls-dir <dir>', 'the observer certificate (`turtle ca issue --role observer --host …`), which also serves the dashboard; or TURTLE_OBSERVER_CERT/KEY/CA(/CRL)', process.env.TURTLE_OBSERVER_TLS ?? join(homedir(), '.config', 'turtle', 'ca', 'issued', 'observer'))
    .option('--webhook <url>', 'POST each alert (opened and resolved) as JSON to this URL', process.env.TURTLE_OBSERVER_WEBHOOK)
    .option('--unreachable-after <seconds>', 'a site unreachable this long is an alert', wholeNumber('--unreachable-after', 'a whole number of seconds', 30, { min: 1 }), 30)
    .option('--site <names>', 'watch only these sites (comma-separated)')
    .action(async (flags: ObserverFlags) => {
      const g = globals();
      const listen = parseListen(flags.listen, '0.0.0.0:8080');
      const { Observer, ObserverStore, readIdentity, servingNames } = await import('../../observer/index.js');
      const spec = loadSpec(g);
      const edges = selectSites(spec, flags.site);
      const sites = edges.filter((s) => s.agent).map((s) => ({ name: s.name, agent: s.agent as string }));
      if (sites.length === 0) {
        const named = edges.map((s) => s.name).join(', ');
        throw new TurtleError(flags.site === undefined ? `no site in ${spec.file} names an agent to watch` : `no site passed to --site (${named}) names an agent to watch`, {
          exitCode: ExitCode.invalid,
          hint: flags.site === undefined ? 'give each edge site `agent: https://host:7443` in turtle.yaml' : `give ${named} \`agent: https://host:7443\` in turtle.yaml, or pass other sites to --site`,
        });
      }
      for (const s of edges.filter((s) => !s.agent)) console.error(`observer: site ${s.name} has no \`agent:\` URL; not watched`);
      const identity = observerIdentity(flags.tlsDir, readIdentity);
      servingNames(identity.cert); // before anything is written: a certificate that cannot serve is refused
      await checkListen(listen);
      const statePath = g.state ?? process.env.TURTLE_OBSERVER_STATE ?? join(dirname(resolve(g.file)), '.turtle', 'observer.db');
      const store = ObserverStore.open(statePath);
      const obs = new Observer({
        sites, identity, store, host: listen.host, port: listen.port,
        ...(flags.webhook ? { webhook: flags.webhook } : {}),
        thresholds: { unreachableMs: flags.unreachableAfter * 1000 },
      });
      const { port } = await obs.start();
      console.log(`turtle observer: watching ${sites.map((s) => s.name).join(', ')}; store ${statePath}; dashboard on https://${listen.written}:${port}/ (mutual TLS: an operator or observer certificate from turtle's CA)`);
      await new Promise<void>((done) => {
        process.once('SIGTERM', () => done());
        process.once('SIGINT', () => done());
      });
      await obs.stop();
      store.close();
    });

  observer
    .command('fly-config')
    .description('write fly.toml and Dockerfile.observer to run the observer on Fly.io')
    .requiredOption('--app <name>', 'the Fly app')
    .option('--region <code>', 'the Fly region', 'ams')
    .option('--port <n>', 'the internal port', wholeNumber('--port', 'a port number', 8080, { min: 1, max: 65_535 }), 8080)
    .option('--volume <name>', 'the volume that holds the store', 'turtle_observer')
    .option('--out <dir>', 'where to write them (the turtle checkout: the Docker build context)', '.')
    .option('--public', 'also serve it on the internet through Fly\'s proxy (TCP passed through: still mutual TLS); default: private, reached with `fly proxy`')
    .action((opts: { app: string; region: string; port: number; volume: string; out: string; public?: boolean }) => {
      const g = globals();
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(opts.app)) throw new TurtleError(`\`${opts.app}\` is not a Fly app name`, { exitCode: ExitCode.invalid, hint: 'lower-case letters, digits and dashes' });
      if (!existsSync(g.file)) throw new TurtleError(`${g.file} does not exist`, { exitCode: ExitCode.invalid, hint: 'the image carries the spec: pass it with -f' });
      const out = resolve(opts.out);
      if (existsSync(out) && !statSync(out).isDirectory()) throw new TurtleError(`${opts.out} is a file, not a directory`, { exitCode: ExitCode.invalid, hint: 'pass the turtle checkout (the Docker build context) to --out' });
      const spec = relative(out, resolve(g.file));
      if (spec.startsWith('..')) throw new TurtleError(`${g.file} is outside ${out}, the Docker build context`, { exitCode: ExitCode.invalid, hint: 'copy turtle.yaml into the turtle checkout, or pass --out' });
      return import('../../observer/fly.js').then(({ flyConfig }) => {
        mkdirSync(out, { recursive: true });
        for (const [name, text] of Object.entries(flyConfig({ app: opts.app, region: opts.region, port: opts.port, volume: opts.volume, spec, public: opts.public ?? false }))) {
          if (name === '.dockerignore' && existsSync(join(out, name))) continue; // the checkout's own is kept
          writeFileSync(join(out, name), text);
          console.log(`wrote ${join(opts.out, name)}`);
        }
        const hosts = ['localhost', '127.0.0.1', `${opts.app}.internal`, ...(opts.public ? [`${opts.app}.fly.dev`] : [])].join(',');
        console.log(`next: turtle ca issue --role observer --name ${opts.app} --host ${hosts}`);
        console.log(`      fly volumes create ${opts.volume} --size 1 -a ${opts.app}; fly secrets set TURTLE_OBSERVER_CERT=… TURTLE_OBSERVER_KEY=… TURTLE_OBSERVER_CA=… TURTLE_OBSERVER_CRL=…; fly deploy`);
        console.log(opts.public
          ? `      then https://${opts.app}.fly.dev/ with an operator or observer certificate in the browser`
          : `      then: fly proxy ${opts.port}:${opts.port} -a ${opts.app}, and https://localhost:${opts.port}/ with an operator or observer certificate in the browser`);
      });
    });
}

/** The certificate from TURTLE_OBSERVER_CERT/KEY/CA (Fly secrets) or a directory; it must be an observer's. */
function observerIdentity(tlsDir: string, read: (dir: string) => ObserverIdentity): ObserverIdentity {
  const env = process.env;
  let id: ObserverIdentity;
  if (env.TURTLE_OBSERVER_CERT && env.TURTLE_OBSERVER_KEY && env.TURTLE_OBSERVER_CA) {
    id = {
      cert: Buffer.from(env.TURTLE_OBSERVER_CERT), key: Buffer.from(env.TURTLE_OBSERVER_KEY), ca: Buffer.from(env.TURTLE_OBSERVER_CA),
      ...(env.TURTLE_OBSERVER_CRL ? { crl: env.TURTLE_OBSERVER_CRL } : {}),
    };
  } else {
    if (!existsSync(join(tlsDir, 'cert.pem'))) {
      throw new TurtleError(`no observer certificate in ${tlsDir}`, { exitCode: ExitCode.invalid, hint: `issue one: turtle ca issue --role observer --name observer --host localhost,127.0.0.1 --out ${tlsDir} (or pass --tls-dir)` });
    }
    id = read(tlsDir);
  }
  const subject = new X509Certificate(id.cert).subject;
  if (!/^OU=observer$/m.test(subject)) {
    throw new TurtleError(`the observer runs only with an observer certificate; this one is ${/^OU=(.*)$/m.exec(subject)?.[1] ?? 'no role'}`, {
      exitCode: ExitCode.invalid, hint: 'issue one: turtle ca issue --role observer --name observer --host localhost,127.0.0.1',
    });
  }
  return id;
}
