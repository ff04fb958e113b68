// Strict validation of everything the API accepts: unknown fields, wrong types, odd names are refused.
import { isIP } from 'node:net';
import { z } from 'zod';
import type { DesiredState } from '../../store/index.js';
import { formatBytes } from '../../domain/index.js';
import { IMAGE_ID } from '../../domain/image.js';

/** Printable, no control characters, no path tricks. */
const plain = z.string().min(1).max(4096).regex(/^[^\x00-\x1f\x7f]*$/, 'control characters are not allowed');
export const SERVICE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const name = (pattern: RegExp, what: string) => z.string().max(253).regex(pattern, `not a valid ${what}`);
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const ms = int(0, 86_400_000);

const record = z.record(z.string().max(256).regex(/^[^\x00-\x1f\x7f=]+$/, 'not a valid key'), z.string().max(65_536).regex(/^[^\x00\x7f]*$/, 'control characters are not allowed'));
/** an address a port or the proxy binds to: it reaches haproxy.cfg's `bind` line, so an IP and nothing else */
const ip = z.string().max(64).refine((v) => isIP(v) !== 0, 'not an IP address');
const port = z.strictObject({ host: int(1, 65_535).optional(), hostIp: ip.optional(), container: int(1, 65_535), protocol: z.enum(['tcp', 'udp']) });
const mount = z.strictObject({
  type: z.enum(['bind', 'volume', 'tmpfs']), source: plain.optional(), target: plain, readOnly: z.boolean(),
  volume: z.strictObject({ driver: plain.optional(), driverOpts: record, labels: record }).optional(),
  external: z.literal(true).optional(),
});
const healthcheck = z.strictObject({ test: z.array(plain).min(1).max(64), intervalMs: ms, timeoutMs: ms, retries: int(1, 1000), startPeriodMs: ms });
const check = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('http'), port: int(1, 65_535), path: z.string().max(2048).regex(/^\/[\x21-\x7e]*$/, 'a path starting with /') }),
  z.strictObject({ kind: z.literal('tcp'), port: int(1, 65_535) }),
  z.strictObject({ kind: z.literal('exec'), command: z.array(plain).min(1).max(64) }),
]);
const probe = z.strictObject({ check, intervalMs: int(100, 3_600_000), timeoutMs: int(10, 3_600_000), failureThreshold: int(1, 100), startPeriodMs: ms });

/** A spec service, or the site proxy turtle adds (`_proxy`, a name no spec service can have). */
const serviceName = z.union([name(SERVICE, 'service name'), z.literal('_proxy')]);
const route = z.strictObject({ listen: int(1, 65_535), hostIp: ip.optional(), target: int(1, 65_535), mode: z.enum(['http', 'tcp']) });
const update = z.strictObject({ order: z.enum(['start-first', 'stop-first']).optional(), minHealthyMs: ms.optional(), drainTimeoutMs: ms.optional() });

/** A secret of turtle's store: a file at an absolute path (no `..`), or a variable; its value sealed (armored age). */
const secretUse = z.strictObject({
  source: name(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'secret name'),
  kind: z.enum(['file', 'env']),
  target: z.string().max(1024).regex(/^[^\x00-\x1f\x7f]+$/, 'control characters are not allowed'),
  uid: int(0, 2 ** 31 - 1).optional(),
  gid: int(0, 2 ** 31 - 1).optional(),
  mode: int(0, 0o777).optional(),
  digest: z.string().regex(/^sha256:[0-9a-f]{32}$/, 'sha256: and 32 hex digits').optional(),
  sealed: z.string().max(262_144).regex(/^-----BEGIN AGE ENCRYPTED FILE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END AGE ENCRYPTED FILE-----\s*$/, 'an armored age file').optional(),
}).superRefine((u, ctx) => {
  if (u.kind === 'file' && (!u.target.startsWith('/') || u.target.split('/').includes('..'))) ctx.addIssue({ code: 'custom', path: ['target'], message: 'an absolute path without ..' });
  if (u.kind === 'env' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(u.target)) ctx.addIssue({ code: 'custom', path: ['target'], message: 'an environment variable name' });
});

const engineName = name(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'network name');
const cidr = z.string().max(64).regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'an address range such as 10.0.0.0/24');
const address = z.string().max(64).regex(/^[0-9a-fA-F:.]+$/, 'an IP address');
const networkSpec = z.strictObject({
  name: engineName,
  key: z.string().max(253).regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a network key'),
  project: name(/^[a-z0-9][a-z0-9-]*$/, 'project name'),
  site: name(/^[a-z0-9][a-z0-9-]*$/, 'site name'),
  external: z.boolean(),
  driver: z.string().max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a driver name'),
  internal: z.boolean(),
  subnets: z.array(z.strictObject({ subnet: cidr, gateway: address.optional(), ipRange: cidr.optional() })).max(16),
  driverOpts: record,
  labels: record,
  configHash: z.string().regex(/^([0-9a-f]{64})?$/, 'a sha256 in hex, or empty'),
  pool: z.array(cidr).min(1).max(16).optional(),
  hostAccess: z.array(z.strictObject({ port: int(1, 65_535), to: int(1, 65_535).optional(), protocol: z.enum(['tcp', 'udp']) })).max(256).optional(),
});
const containerNetwork = z.strictObject({ name: engineName, aliases: z.array(plain).max(64), ipv4Address: address.optional(), network: networkSpec });
const word = z.string().min(1).max(256).regex(/^[^\x00-\x1f\x7f]*$/, 'control characters are not allowed');
const words = z.array(word).max(256);
/** ContainerOptions: the Compose container keys; the engine checks what it alone knows (capability and sysctl names) */
const options = z.strictObject({
  hostname: word.optional(), domainname: word.optional(), expose: z.array(z.string().regex(/^\d{1,5}\/(tcp|udp|sctp)$/, 'PORT/PROTOCOL')).max(256).optional(),
  capAdd: words.optional(), securityOpt: words.optional(), privileged: z.boolean().optional(),
  devices: z.array(z.strictObject({ host: plain, container: plain, permissions: z.string().regex(/^[rwm]{0,3}$/, 'some of r, w, m') })).max(64).optional(),
  tmpfs: record.optional(), extraHosts: words.optional(), dns: words.optional(), dnsSearch: words.optional(), dnsOpt: words.optional(),
  sysctls: record.optional(), init: z.boolean().optional(), stopSignal: word.optional(), stopGraceMs: ms.optional(), workingDir: plain.optional(),
  ulimits: z.array(z.strictObject({ name: word, soft: z.number().int().min(-1), hard: z.number().int().min(-1) })).max(64).optional(),
  pidsLimit: z.number().int().min(-1).optional(), logging: z.strictObject({ driver: word, options: record }).optional(), platform: word.optional(),
  stdinOpen: z.boolean().optional(), tty: z.boolean().optional(), shmSize: int(1, 2 ** 50).optional(), groupAdd: words.optional(),
  oomScoreAdj: int(-1000, 1000).optional(), memswapLimit: z.number().int().min(-1).max(2 ** 50).optional(),
  runtime: word.optional(),
});

export const containerSpec = z.strictObject({
  name: name(/^[a-z0-9][a-z0-9_.-]*$/, 'container name'),
  project: name(/^[a-z0-9][a-z0-9-]*$/, 'project name'),
  site: name(/^[a-z0-9][a-z0-9-]*$/, 'site name'),
  service: serviceName,
  replica: int(1, 1000),
  image: plain,
  command: z.array(plain).max(256).optional(),
  entrypoint: z.array(plain).max(256).optional(),
  env: record,
  ports: z.array(port).max(256),
  mounts: z.array(mount).max(256),
  healthcheck: healthcheck.optional(),
  probe: probe.optional(),
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']),
  labels: record,
  user: plain.optional(),
  readOnly: z.boolean(),
  capDrop: z.array(plain).max(64),
  resources: z.strictObject({ cpus: z.number().positive().max(1024).optional(), memory: int(1, 2 ** 50).optional(), memoryReservation: int(1, 2 ** 50).optional() }),
  bandwidth: z.strictObject({ egress: int(8_000, 1e12).optional(), ingress: int(8_000, 1e12).optional() }).optional(),
  priority: z.enum(['critical', 'normal', 'background']),
  cgroupParent: z.string().max(1024).regex(/^\/[a-zA-Z0-9_./-]*$/, 'an absolute cgroup path').refine((p) => !p.split('/').includes('..'), 'no .. in a cgroup path').optional(),
  dependsOn: z.record(serviceName, z.enum(['service_started', 'service_healthy', 'service_completed_successfully'])),
  proxy: z.enum(['http', 'tcp']).optional(),
  update: update.optional(),
  routes: z.array(route).max(256).optional(),
  network: z.union([z.enum(['host', 'none', 'bridge']), z.string().regex(/^service:[a-z0-9][a-z0-9_-]{0,62}$/, 'service:NAME')]).optional(),
  networks: z.array(containerNetwork).max(32).optional(),
  options: options.optional(),
  secrets: z.array(secretUse).max(64).optional(),
  imageId: z.string().regex(IMAGE_ID, 'an image ID (sha256:<64 hex>)').optional(),
  running: z.boolean(),
  configHash: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
});

const bytes = int(1, 2 ** 50);
const percent = z.number().min(1).max(100);
/** turtle.yaml's `capacity` and `budget` of the site, for its governor (SiteBudget). */
const siteBudget = z.strictObject({
  capacity: z.strictObject({ cpus: z.number().positive().max(4096), memory: bytes }),
  budget: z.strictObject({ cpu: percent, memory: percent, floor: bytes.optional(), network: int(8_000, 1e12).optional() }),
});

export const desiredState = z.strictObject({
  project: name(/^[a-z0-9][a-z0-9-]*$/, 'project name'),
  specHash: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
  containers: z.array(containerSpec).max(1000),
  /** absent from a CLI older than the governor's budget: the agent's defaults apply */
  site: siteBudget.optional(),
});

export interface Invalid {
  status: 400;
  error: string;
  issues: string[];
}

/** The desired state for `site`, or why not: every container must be for this site and named once. */
export function parseDesired(body: unknown, site: string): { ok: true; value: DesiredState } | { ok: false; invalid: Invalid } {
  const parsed = desiredState.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return { ok: false, invalid: { status: 400, error: 'invalid desired state', issues } };
  }
  const issues: string[] = [];
  const seen = new Set<string>();
  for (const [i, c] of parsed.data.containers.entries()) {
    if (c.site !== site) issues.push(`containers.${i}.site: is ${c.site}, but this agent runs site ${site}`);
    if (c.project !== parsed.data.project) issues.push(`containers.${i}.project: is ${c.project}, not ${parsed.data.project}`);
    const slot = `${c.service}#${c.replica}`;
    if (seen.has(slot)) issues.push(`containers.${i}: ${slot} appears twice`);
    seen.add(slot);
  }
  const floorIssue = parsed.data.site && floorTooHigh(parsed.data.site);
  if (floorIssue) issues.push(floorIssue);
  if (issues.length > 0) return { ok: false, invalid: { status: 400, error: 'invalid desired state', issues } };
  return { ok: true, value: parsed.data as DesiredState };
}

/** The spec's rule, checked again for any client: the floor and turtle's memory budget must both fit in the host. */
function floorTooHigh({ capacity, budget }: z.output<typeof siteBudget>): string | undefined {
  if (budget.floor === undefined) return undefined;
  const share = (capacity.memory * budget.memory) / 100;
  if (budget.floor + share <= capacity.memory) return undefined;
  return `site.budget.floor: the floor of ${formatBytes(budget.floor)} and turtle's memory budget of ${formatBytes(share)} (${budget.memory}% of ${formatBytes(capacity.memory)}) add up to more than the host has (${formatBytes(capacity.memory)}); lower the floor to at most ${formatBytes(capacity.memory - share)}, or the memory budget`;
}
