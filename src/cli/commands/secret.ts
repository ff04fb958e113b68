// `turtle secret set|ls|rm`: the values of turtle's store, one file per site beside turtle.yaml
// (turtle.secrets/<site>.yaml), each sealed with age to that site's key. A value is read from stdin and
// never printed; what the commands show is names, sites and digests.
import type { Command } from 'commander';
import { TurtleError, ExitCode, errorMessage } from '../../lib/errors.js';
import { isLocalEngine } from '../../lib/endpoint.js';
import { servicesForSite, type SiteSpec, type Spec } from '../../spec/index.js';
import { storeNames } from '../../spec/_files-top.js';
import { AgentClient } from '../../client/agent.js';
import { loadOrCreateKey, seal } from '../../secrets/age.js';
import { storeSecretsOf } from '../../secrets/check.js';
import { ensureHashKey, hashKeyPath } from '../../secrets/hash-key.js';
import { SECRET_NAME, readSiteSecrets, sealedDigest, siteSecretsPath, writeSiteSecrets, type SiteSecrets } from '../../secrets/site-file.js';
import { connectSite, keysDir, loadSpec, selectSites, siteKeyPath, type GlobalOptions } from '../context.js';
import { printJson, table } from '../output.js';
import { readSecretValue } from './_secret-input.js';

const MAX_VALUE = 65_536;

export function register(program: Command, globals: () => GlobalOptions): void {
  const secret = program.command('secret').description("secrets of turtle's store: encrypted to each site, delivered to its containers as files");
  secret
    .command('set <name>')
    .description('set a secret for its sites from stdin (printf %s "$VALUE" | turtle secret set NAME); a new value reaches the services at the next deploy')
    .option('--site <names>', 'only these sites (comma list; default: every site whose services read it, else every edge site)')
    .option('--keep-newline', 'keep a trailing newline (by default one is dropped: `echo` adds it)')
    .action(async (name: string, flags: { site?: string; keepNewline?: boolean }) => {
      checkName(name);
      const opts = globals();
      const spec = loadSpec(opts);
      const sites = sitesFor(spec, name, flags.site);
      // every site's key first: a site that cannot be reached or cannot take secrets changes no file
      const files = await Promise.all(sites.map((s) => siteFile(spec, s, opts)));
      const value = await readSecretValue(name, flags.keepNewline ?? false, MAX_VALUE);
      for (const file of files) {
        file.data.secrets[name] = await seal(value, file.data.recipient);
        writeSiteSecrets(file.path, file.data);
      }
      const made = ensureHashKey(spec.file);
      for (const file of files) console.log(`${file.data.site}: secret ${name} set (${sealedDigest(file.data.secrets[name]!).slice(0, 19)}), sealed to ${file.data.recipient.slice(0, 12)}… in ${file.path}`);
      if (made.created) console.error(madeNote(spec.file));
      if (!storeNames(spec).includes(name)) console.error(`note: no secret of ${spec.file} is kept in turtle's store under \`${name}\`: declare it (secrets: { ${name}: { external: true } }) and list it under a service's secrets:`);
      else console.error(`the services that read it get the new value at the next \`turtle deploy\``);
    });
  secret
    .command('init')
    .description("make the project's hash key (turtle.secrets/hash.key), so the versions turtle publishes say nothing of the values in environment")
    .action(() => {
      const spec = loadSpec(globals());
      const made = ensureHashKey(spec.file);
      if (!made.created) return console.log(`${hashKeyPath(spec.file)} exists: the project's versions are already keyed`);
      console.log(`made ${hashKeyPath(spec.file)}`);
      console.error(madeNote(spec.file));
    });
  secret
    .command('ls')
    .description('which secrets each site has, which services read them, and what is missing (never the values)')
    .option('--site <names>', 'only these sites (comma list)')
    .option('--json', 'machine-readable output')
    .action((flags: { site?: string; json?: boolean }) => {
      const spec = loadSpec(globals());
      const rows = listing(spec, selectSites(spec, flags.site));
      if (flags.json) return printJson(rows);
      if (rows.length === 0) return console.log(`no secrets in turtle's store (declare one in ${spec.file}: secrets: { NAME: { external: true } })`);
      console.log(table(['SECRET', 'SITE', 'STATE', 'READ BY', 'DIGEST'], rows.map((r) => [r.secret, r.site, r.state, r.readBy.join(',') || '-', r.digest?.slice(0, 19) ?? '-'])));
      const missing = rows.filter((r) => r.state === 'missing');
      if (missing.length > 0) console.error(`hint: ${missing.map((r) => `turtle secret set ${r.secret} --site ${r.site}`).join('; ')}`);
    });
  secret
    .command('rm <name>')
    .description("remove a secret from its sites' files (the services that read it cannot deploy until it is set again)")
    .option('--site <names>', 'only these sites (comma list; default: every site that has it)')
    .action((name: string, flags: { site?: string }) => {
      checkName(name);
      const spec = loadSpec(globals());
      const sites = selectSites(spec, flags.site);
      const removed: string[] = [];
      for (const site of sites) {
        const path = siteSecretsPath(spec.file, site.name);
        const data = readSiteSecrets(path, site.name);
        if (!data || data.secrets[name] === undefined) continue;
        delete data.secrets[name];
        writeSiteSecrets(path, data);
        removed.push(site.name);
      }
      if (removed.length === 0) {
        throw new TurtleError(`secret \`${name}\` is set for none of ${sites.map((s) => s.name).join(', ')}`, { exitCode: ExitCode.invalid, hint: 'see what is set with `turtle secret ls`' });
      }
      console.log(`secret ${name} removed for ${removed.join(', ')}`);
      const readers = removed.flatMap((site) => servicesForSite(spec, site).filter((s) => storeSecretsOf(s).includes(name)).map((s) => `${site}/${s.name}`));
      if (readers.length > 0) console.error(`note: ${readers.join(', ')} still read it: their next deploy fails until it is set again; the containers running now keep their value`);
    });
}

function madeNote(specFile: string): string {
  return `note: made the project's hash key ${hashKeyPath(specFile)}: commit it with turtle.yaml (every operator needs the same one). Versions are now keyed, so the next deploy replaces each container once`;
}

function checkName(name: string): void {
  if (!SECRET_NAME.test(name) || name.length > 128) {
    throw new TurtleError(`\`${name}\` is not a secret name`, { exitCode: ExitCode.invalid, hint: 'letters, digits, _, . and -, starting with a letter or digit' });
  }
}

/** --site, else the sites whose services read it, else every edge site. */
function sitesFor(spec: Spec, name: string, flag: string | undefined): SiteSpec[] {
  if (flag !== undefined) return selectSites(spec, flag);
  const edges = selectSites(spec, undefined);
  const readers = edges.filter((site) => servicesForSite(spec, site.name).some((s) => storeSecretsOf(s).includes(name)));
  return readers.length > 0 ? readers : edges;
}

/** The site's file, or a new one sealed to its key: its agent's (asked over mutual TLS), or this machine's for a local engine. */
async function siteFile(spec: Spec, site: SiteSpec, opts: GlobalOptions): Promise<{ path: string; data: SiteSecrets }> {
  const path = siteSecretsPath(spec.file, site.name);
  const existing = readSiteSecrets(path, site.name);
  const recipient = await siteRecipient(spec, site, opts, existing?.recipient);
  if (existing && existing.recipient !== recipient) {
    throw new TurtleError(`${site.name}'s key is ${recipient}, but ${path} is sealed to ${existing.recipient}: ${site.name} cannot open its secrets (its key was replaced or lost)`, {
      exitCode: ExitCode.invalid,
      hint: `move ${path} aside and set each of its secrets again (${Object.keys(existing.secrets).join(', ') || 'none'}); nothing was changed`,
    });
  }
  return { path, data: existing ?? { site: site.name, recipient, secrets: {} } };
}

async function siteRecipient(spec: Spec, site: SiteSpec, opts: GlobalOptions, pinned: string | undefined): Promise<string> {
  if (site.agent !== undefined) {
    try {
      const client = await connectSite(spec, site, opts);
      if (client instanceof AgentClient) return await client.recipient();
    } catch (err) {
      // offline: the key the file was sealed to before is still the site's, as far as anyone knows
      if (pinned !== undefined) return pinned;
      throw new TurtleError(`${site.name}: cannot ask its agent for the key to seal secrets to: ${errorMessage(err)}`, {
        exitCode: err instanceof TurtleError ? err.exitCode : ExitCode.unreachable,
        hint: `start ${site.name}'s agent (it makes its key on first start), then set the secret again; no file was changed`,
        cause: err,
      });
    }
  }
  if (!isLocalEngine(site.engine)) {
    throw new TurtleError(`${site.name}'s engine (${site.engine}) is not on this machine, and ${site.name} has no agent: turtle cannot deliver secrets there`, {
      exitCode: ExitCode.invalid,
      hint: `run turtle's agent on ${site.name} and name it in turtle.yaml (sites.${site.name}.agent)`,
    });
  }
  return (await loadOrCreateKey(siteKeyPath(keysDir(opts), site.name))).recipient;
}

interface Row {
  secret: string;
  site: string;
  state: 'set' | 'missing' | 'unused';
  readBy: string[];
  digest?: string;
}

/** Every declared secret of the store on each site that reads it, and what the files hold besides. */
function listing(spec: Spec, sites: readonly SiteSpec[]): Row[] {
  const rows: Row[] = [];
  for (const site of sites) {
    const file = readSiteSecrets(siteSecretsPath(spec.file, site.name), site.name);
    const services = servicesForSite(spec, site.name);
    const names = new Set([...storeNames(spec), ...Object.keys(file?.secrets ?? {})]);
    for (const name of [...names].sort()) {
      const readBy = services.filter((s) => storeSecretsOf(s).includes(name)).map((s) => s.name);
      const sealed = file?.secrets[name];
      if (sealed === undefined && readBy.length === 0) continue;
      rows.push({ secret: name, site: site.name, state: sealed === undefined ? 'missing' : readBy.length === 0 ? 'unused' : 'set', readBy, ...(sealed ? { digest: sealedDigest(sealed) } : {}) });
    }
  }
  return rows;
}
