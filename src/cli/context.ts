// What every command needs: the spec, the state store, the sites it acts on and their engines.
import { dirname, join, resolve } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { loadIdentity } from '../client/identity.js';
import { TurtleError, ExitCode } from '../lib/errors.js';
import { activeProfiles, loadSpecFile, withProfiles, type SiteSpec, type Spec } from '../spec/index.js';
import { createRuntime, type ContainerRuntime } from '../runtime/index.js';
import { Store } from '../store/index.js';
import { closest } from '../lib/words.js';
import { siteClient, type SiteClient } from '../client/index.js';
import { cachedSpec } from './_spec-cache.js';
import { isLocalEngine } from '../lib/endpoint.js';
import { loadOrCreateKey } from '../secrets/age.js';
import { DEFAULT_SECRETS_DIR, SecretDelivery } from '../secrets/deliver.js';

export interface GlobalOptions {
  file: string;
  state?: string;
  /** the operator's certificate directory for sites' agents */
  identity?: string;
  verbose: boolean;
  /** --profile, repeated: the Compose profiles whose services run too */
  profile?: string[];
}

/** The spec, from the last command's parse when neither it nor the variables it reads changed (_spec-cache.ts). */
export function loadSpec(opts: GlobalOptions): Spec {
  return profiled(cachedSpec(opts.file, dirname(storePath(opts)), (env) => loadSpecFile(opts.file, env)), opts);
}

/** The services that run under --profile (else $COMPOSE_PROFILES); a named profile no service has is refused. */
export function profiled(spec: Spec, opts: GlobalOptions): Spec {
  return withProfiles(spec, activeProfiles(opts.profile, process.env.COMPOSE_PROFILES), opts.profile !== undefined);
}

/** The store lives beside the spec (`.turtle/state.db`) unless --state or TURTLE_STATE says otherwise. */
export function openStore(opts: GlobalOptions): Store {
  return Store.open(storePath(opts));
}

/**
 * The keys of sites whose engine this machine drives (keys/<site>.age beside the store, 0600): their secrets
 * are sealed to these, so another operator's machine needs a copy of the folder (TURTLE_KEYS names another).
 */
export function keysDir(opts: GlobalOptions): string {
  return process.env.TURTLE_KEYS ?? join(dirname(storePath(opts)), 'keys');
}

export function siteKeyPath(keys: string, site: string): string {
  return join(keys, `${site}.age`);
}

function storePath(opts: GlobalOptions): string {
  return opts.state ?? process.env.TURTLE_STATE ?? join(dirname(resolve(opts.file)), '.turtle', 'state.db');
}

/** Edge sites named by --site (a name, a comma list, or `all`), in spec order. */
export function selectSites(spec: Spec, site: string | undefined): SiteSpec[] {
  const edges = Object.values(spec.sites).filter((s) => s.role === 'edge');
  if (site === undefined || site === 'all') return edges;
  return site.split(',').map((name) => {
    const found = spec.sites[name];
    if (found === undefined) {
      const guess = closest(name, Object.keys(spec.sites));
      throw new TurtleError(`unknown site \`${name}\` (sites in ${spec.file}: ${Object.keys(spec.sites).join(', ')})`, {
        exitCode: ExitCode.invalid,
        hint: guess ? `did you mean \`${guess}\`?` : 'pass one of the sites above to --site',
      });
    }
    if (found.role !== 'edge') {
      throw new TurtleError(`site \`${name}\` is an observer: it runs no services`, {
        exitCode: ExitCode.invalid,
        hint: 'pass an edge site to --site',
      });
    }
    return found;
  });
}

export function requireService(spec: Spec, service: string): void {
  if (spec.services[service] !== undefined) return;
  const guess = closest(service, Object.keys(spec.services));
  throw new TurtleError(`unknown service \`${service}\` (services in ${spec.file}: ${Object.keys(spec.services).join(', ')})`, {
    exitCode: ExitCode.invalid,
    hint: guess ? `did you mean \`${guess}\`?` : 'name a service from the spec',
  });
}

/**
 * Each site's engine, checked once per command: a deploy connects in its preflight and again to converge,
 * and one runtime counts all its requests. A check that failed is not kept, so a retry checks again (an
 * engine lost after its check fails the next request instead).
 */
const connected = new Map<string, Promise<ContainerRuntime>>();

/** The site's engine, checked to answer; an unreachable engine names the site, the socket and how to start it. */
export function connect(site: SiteSpec, keys?: string): Promise<ContainerRuntime> {
  const key = `${site.name}\u0000${site.runtime}\u0000${site.engine}`;
  let runtime = connected.get(key);
  if (runtime === undefined) {
    runtime = checked(site, keys);
    connected.set(key, runtime);
    runtime.catch(() => connected.delete(key));
  }
  return runtime;
}

async function checked(site: SiteSpec, keys: string | undefined): Promise<ContainerRuntime> {
  const runtime = createRuntime({ kind: site.runtime, endpoint: site.engine });
  // an engine on this machine gets its containers' secrets from here, opened with this machine's key for the site
  if (keys !== undefined && isLocalEngine(site.engine)) {
    const path = siteKeyPath(keys, site.name);
    runtime.secrets = new SecretDelivery({ root: process.env.TURTLE_SECRETS_DIR ?? DEFAULT_SECRETS_DIR, site: site.name, identity: async () => (await loadOrCreateKey(path)).identity });
  }
  try {
    await runtime.check();
  } catch (err) {
    if (err instanceof TurtleError) {
      throw new TurtleError(`site ${site.name}: ${err.message}`, { exitCode: err.exitCode, hint: err.hint, recoverable: err.recoverable, cause: err });
    }
    throw err;
  }
  return runtime;
}

/** How a command reaches `site`: through its agent when the spec names one, else its engine directly. */
export function connectSite(spec: Spec, site: SiteSpec, opts: GlobalOptions): Promise<SiteClient> {
  return siteClient(spec, site, { engine: (s) => connect(s, keysDir(opts)), ...(opts.identity === undefined ? {} : { identity: opts.identity }) });
}

/** Who is deploying, for the history: the operator certificate agents will see, else the local user. */
export function whoAmI(sites: readonly SiteSpec[], opts: GlobalOptions): string {
  const local = `${userInfo().username}@${hostname()}`;
  const viaAgent = sites.find((s) => s.agent !== undefined);
  if (!viaAgent) return local;
  try {
    const id = loadIdentity(opts.identity, viaAgent.name);
    return `${id.role} ${id.name}`;
  } catch {
    return local; // the rollout says what is missing
  }
}
