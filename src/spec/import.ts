// `turtle import`: a Compose file becomes a turtle.yaml through the yaml library's Document API, so the
// author's comments, order and anchors stay. What turtle needs beyond Compose is added (the project, the
// sites); what turtle reads differently is rewritten, each change said; what cannot be carried over is
// listed with what to do. Pure: the caller writes the text and the extra files.
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';

export interface ImportSite {
  name: string;
  runtime: 'docker' | 'podman';
}

export interface ImportOptions {
  /** where the Compose file is (its folder names the project, as in Compose) */
  from: string;
  /** where the turtle.yaml will be written: a config's `content:` becomes a file beside it */
  to: string;
  /** default: one site, dc1, on docker */
  sites?: ImportSite[];
  /** the capacity written for each site (default: this machine's), said in a comment */
  capacity: { cpus: number; memory: string; whose: string };
}

export interface ImportResult {
  text: string;
  /** files to write beside the turtle.yaml (a config's content), by absolute path */
  files: { path: string; content: string }[];
  /** what was added or rewritten */
  changed: string[];
  /** what could not be carried over, with what to do */
  left: string[];
}

const SITE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** `dc1=docker,dc2=podman` (or repeated flags) → sites; an error says which part is wrong. */
export function parseSites(values: readonly string[]): ImportSite[] {
  const out: ImportSite[] = [];
  for (const part of values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean)) {
    const [name, runtime = 'docker', extra] = part.split('=');
    if (extra !== undefined || !name || !SITE_NAME.test(name)) throw new Error(`--site ${part}: expected NAME=RUNTIME such as dc1=docker (a site name is lower-case letters, digits and -)`);
    if (runtime !== 'docker' && runtime !== 'podman') throw new Error(`--site ${part}: the runtime is docker or podman, found ${JSON.stringify(runtime)}`);
    if (out.some((s) => s.name === name)) throw new Error(`--site ${name} is given twice`);
    out.push({ name, runtime });
  }
  return out;
}

/** Compose's project name from a folder: lower case, only a-z 0-9 - (Compose also keeps _, which turtle's names do not). */
export function projectFromFolder(dir: string): string {
  return basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'project';
}

export function importCompose(text: string, options: ImportOptions): ImportResult {
  const doc: Document = parseDocument(text, { merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) throw new Error(`${options.from}: not YAML: ${doc.errors[0]!.message}`);
  const top = doc.contents;
  if (!isMap(top) || !isMap(doc.get('services'))) throw new Error(`${options.from}: no \`services:\` map, so it is not a Compose file`);
  const out: ImportResult = { text: '', files: [], changed: [], left: [] };
  if (doc.has('sites')) throw new Error(`${options.from} already has \`sites:\`: it is a turtle.yaml; check it with \`turtle validate ${options.from}\``);

  // the file's leading comment stays at the top, above what import adds
  const first = top.items[0]?.key;
  if (isScalar(first) && first.commentBefore && !doc.commentBefore) {
    doc.commentBefore = first.commentBefore;
    first.commentBefore = undefined;
  }
  if (!doc.has('name') && !doc.has('project')) {
    const project = projectFromFolder(dirname(options.from));
    top.items.unshift(pairOf(doc, 'project', project, ` from the folder's name, as Compose names the project`));
    out.changed.push(`project: ${project} (the folder's name, as Compose takes it)`);
  }
  const sites = options.sites && options.sites.length > 0 ? options.sites : [{ name: 'dc1', runtime: 'docker' as const }];
  const siteMap = doc.createNode(Object.fromEntries(sites.map((s) => [s.name, { runtime: s.runtime, capacity: { cpus: options.capacity.cpus, memory: options.capacity.memory } }]))) as YAMLMap;
  for (const item of siteMap.items) {
    const site = item.value as YAMLMap;
    site.flow = true;
    (item.key as Scalar).commentBefore = undefined;
  }
  const sitesPair = pairOf(doc, 'sites', siteMap, ` where the services run; capacity is ${options.capacity.whose}: set each site host's own`);
  const servicesAt = top.items.findIndex((p) => isScalar(p.key) && p.key.value === 'services');
  top.items.splice(servicesAt, 0, sitesPair);
  out.changed.push(`sites: ${sites.map((s) => `${s.name} (${s.runtime})`).join(', ')}, each with ${options.capacity.whose} capacity (${options.capacity.cpus} CPUs, ${options.capacity.memory}): set each site host's own`);

  const services = doc.get('services') as YAMLMap;
  // read through anchors and merge keys (`<<: *defaults`) before anything is changed
  const resolved = (doc.toJS({ maxAliasCount: -1 }) as { services: Record<string, unknown> }).services;
  for (const pair of services.items) {
    const name = String((pair.key as Scalar).value);
    if (!isMap(pair.value)) continue;
    serviceChanges(doc, name, pair.value, resolved[name] as Written, out);
  }
  configContents(doc, options, out);
  secretSources(doc, out);
  out.text = doc.toString({ lineWidth: 0 });
  return out;
}

function pairOf(doc: Document, key: string, value: unknown, comment: string): Pair<Scalar, Node> {
  const pair = doc.createPair(key, value) as Pair<Scalar, Node>;
  pair.key.commentBefore = comment;
  return pair;
}

type Written = Record<string, unknown> | undefined;

/** The map that holds `key` for `map`: itself, or a map it merges in (`<<: *anchor`). */
function holderOf(doc: Document, map: unknown, key: string): YAMLMap | undefined {
  if (!isMap(map)) return undefined;
  if (map.has(key)) return map;
  for (const pair of map.items) {
    if (!(isScalar(pair.key) && (pair.key.value === '<<' || String(pair.key.value) === 'Symbol(<<)'))) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = holderOf(doc, isAlias(source) ? source.resolve(doc) : source, key);
      if (found) return found;
    }
  }
  return undefined;
}

function serviceChanges(doc: Document, name: string, service: YAMLMap, resolved: Written, out: ImportResult): void {
  const at = `services.${name}`;
  if (resolved?.build !== undefined && resolved.image === undefined) {
    const image = `${name}:latest`;
    const pair = doc.createPair('image', image);
    (pair.key as Scalar).commentBefore = ` turtle deploys images: build this one where you develop (docker build -t ${image} ...), then docker save ${image} | ssh HOST docker load`;
    service.items.splice(Math.max(0, service.items.findIndex((p) => isScalar(p.key) && p.key.value === 'build')), 0, pair);
    out.changed.push(`${at}.image: ${image} beside its build (turtle does not build on the sites: build it, then \`docker save ${image} | ssh HOST docker load\` or push it to a registry)`);
  }
  const condition = ((resolved?.deploy as Written)?.restart_policy as Written)?.condition;
  if (condition === 'unless-stopped' || condition === 'always' || condition === 'no') {
    const deploy = holderOf(doc, service, 'deploy')?.get('deploy', true);
    const policy = holderOf(doc, deploy, 'restart_policy')?.get('restart_policy', true);
    holderOf(doc, policy, 'condition')?.delete('condition');
    if (!service.has('restart')) service.set('restart', condition);
    out.changed.push(`${at}.restart: ${String(condition)}, from deploy.restart_policy.condition (Compose's condition is none, on-failure or any; ${String(condition)} is a \`restart\` policy)`);
  }
  swarmUpdates(doc, at, service, resolved, out);
  repeatedEnvironment(at, service, out);
  const pull = service.get('pull_policy');
  if (typeof pull === 'string' && !['missing', 'if_not_present'].includes(pull)) {
    service.delete('pull_policy');
    out.changed.push(`${at}.pull_policy: ${pull} removed: turtle pulls an image only when the site lacks it (to take a new build, change the tag or digest in \`image\`)`);
  }
}

/** A config's `content:` becomes a file beside the turtle.yaml (configs/<name>), read with `file:`. */
function configContents(doc: Document, options: ImportOptions, out: ImportResult): void {
  const configs = doc.get('configs');
  if (!isMap(configs)) return;
  for (const pair of configs.items) {
    const name = String((pair.key as Scalar).value);
    if (!isMap(pair.value)) continue;
    const content = pair.value.get('content');
    if (typeof content !== 'string') continue;
    const path = join(dirname(resolve(options.to)), 'configs', name);
    const file = `./${relative(dirname(resolve(options.to)), path)}`;
    pair.value.delete('content');
    pair.value.set('file', file);
    out.files.push({ path, content });
    out.changed.push(`configs.${name}: its content is written to ${file}, read with file:`);
  }
}

function secretSources(doc: Document, out: ImportResult): void {
  for (const section of ['secrets', 'configs'] as const) {
    const entries = doc.get(section);
    if (!isMap(entries)) continue;
    for (const pair of entries.items) {
      const name = String((pair.key as Scalar).value);
      if (!isMap(pair.value)) continue;
      if (pair.value.has('environment'))
        out.left.push(section === 'secrets'
          ? `${section}.${name}: from the environment variable ${String(pair.value.get('environment'))}: keep it in turtle's store instead (external: true, then printenv ${String(pair.value.get('environment'))} | turtle secret set ${name})`
          : `${section}.${name}: from the environment variable ${String(pair.value.get('environment'))}: write its value to a file (chmod 600) and name it with file:`);
      if (pair.value.get('external') === true)
        out.left.push(section === 'secrets'
          ? `${section}.${name}: external: in turtle it is a secret of turtle's store: set its value with turtle secret set ${name} (it reads stdin)`
          : `${section}.${name}: external (a Swarm object): name a file with file: instead`);
    }
  }
}

/**
 * Swarm's update and restart timings and placement, which Compose ignores outside Swarm: update_config.order
 * becomes turtle's `update.order`; the rest is removed, each said. (`mode: global` stays, and is refused
 * with what to use: it changes how many containers run.)
 */
function swarmUpdates(doc: Document, at: string, service: YAMLMap, resolved: Written, out: ImportResult): void {
  const deploy = resolved?.deploy as Written;
  if (!deploy) return;
  const node = holderOf(doc, service, 'deploy')?.get('deploy', true);
  const policy = deploy.restart_policy as Written;
  for (const key of ['delay', 'window'] as const) {
    if (policy?.[key] === undefined) continue;
    const holder = holderOf(doc, holderOf(doc, node, 'restart_policy')?.get('restart_policy', true), key);
    holder?.delete(key);
    out.changed.push(`${at}.deploy.restart_policy.${key} removed: the engine restarts a container at once and turtle retries with capped backoff`);
  }
  if (deploy.placement !== undefined) {
    holderOf(doc, node, 'placement')?.delete('placement');
    out.changed.push(`${at}.deploy.placement removed: Swarm's, which Compose ignores without Swarm; turtle places a service by its \`sites\``);
  }
  for (const key of ['update_config', 'rollback_config'] as const) {
    const written = deploy[key] as Written;
    if (written === undefined) continue;
    holderOf(doc, node, key)?.delete(key);
    // start-first with host ports needs turtle's proxy (two containers cannot bind one port): turtle's default decides
    const publishes = Array.isArray(resolved?.ports) && resolved.ports.length > 0 && resolved.proxy === undefined;
    const order = key === 'update_config' && (written?.order === 'stop-first' || (written?.order === 'start-first' && !publishes)) ? written.order : undefined;
    if (order && !service.has('update')) service.set('update', doc.createNode({ order }, { flow: true }));
    out.changed.push(`${at}.deploy.${key} removed (Swarm's)${order ? `; its order is turtle's update: { order: ${order} }` : ''}: turtle replaces containers by \`update\` and moves across sites by the top-level \`rollout\``);
  }
}

/** A list `environment` naming one variable twice, with two values: Compose takes the last, so import keeps it. */
function repeatedEnvironment(at: string, service: YAMLMap, out: ImportResult): void {
  const env = service.get('environment', true);
  if (!isSeq(env)) return;
  const last = new Map<string, number>();
  env.items.forEach((item, i) => {
    const text = isScalar(item) ? item.value : undefined;
    if (typeof text === 'string' && text.includes('=')) last.set(text.slice(0, text.indexOf('=')), i);
  });
  const drop = new Set<number>();
  env.items.forEach((item, i) => {
    const text = isScalar(item) ? item.value : undefined;
    if (typeof text !== 'string' || !text.includes('=')) return;
    const key = text.slice(0, text.indexOf('='));
    if (last.get(key) !== i) drop.add(i);
  });
  if (drop.size === 0) return;
  const names = [...new Set([...drop].map((i) => String((env.items[i] as Scalar).value).split('=')[0]))];
  env.items = env.items.filter((_, i) => !drop.has(i));
  out.changed.push(`${at}.environment: ${names.join(', ')} ${names.length === 1 ? 'was' : 'were'} set more than once: the last value is kept, as Compose takes it`);
}
