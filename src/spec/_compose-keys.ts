// The Compose service keys beyond turtle's core ones, with their real effect: the schema (merged into
// serviceShape), the mapping onto ContainerOptions, resources, replicas and restart, and the rule that
// two Compose forms of one setting (mem_limit and deploy.resources.limits.memory) must agree.
import { z } from 'zod';
import type { ContainerOptions } from '../domain/options.js';
import type { Resources, RestartPolicy } from '../domain/types.js';
import { bool, doc, duration, fail, num, obj, size, str, stringList } from './_fields.js';
import { devices, envFile, expose, extraHosts, oneOrMany, stringMap, swapSize, tmpfs, ulimits, wordList } from './_compose-values.js';
import { deploySchema } from './_compose-deploy.js';
import { describeValue, formatPath, listWords } from './_words.js';
import { formatBytes } from './_units.js';

// Docker and Podman take `_` in a host name (Compose files write `bookstack_db`), though DNS does not
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/;
const DOMAIN = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const PROFILE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const logging = obj({
  driver: doc(str().optional(), { description: 'The engine\'s log driver.', type: 'string', default: 'json-file', example: 'local' }),
  options: doc(stringMap('option').optional(), { description: 'Options of the driver.', type: 'map', default: '{}', example: '{ max-size: 10m }' }),
});

const PULL_REFUSED: Record<string, string> = {
  always: 'turtle pulls an image only when the site lacks it; to take a new build, change the tag or digest in `image`',
  never: 'turtle pulls an image the site lacks; load it there first (`docker load`) and nothing is pulled',
  daily: 'turtle pulls an image only when the site lacks it; to take a new build, change the tag or digest in `image`',
  weekly: 'turtle pulls an image only when the site lacks it; to take a new build, change the tag or digest in `image`',
  build: 'turtle deploys images and does not build them: build it, then `docker save NAME | ssh router docker load`, or push it to a registry',
};

const pullPolicy = z.unknown().transform((v, ctx): 'missing' => {
  if (v === 'missing' || v === 'if_not_present') return 'missing';
  const why = typeof v === 'string' ? (PULL_REFUSED[v] ?? (v.startsWith('every_') ? PULL_REFUSED.always : undefined)) : undefined;
  if (why) return fail(ctx, `pull_policy ${v} is not supported`, { hint: why });
  return fail(ctx, `expected missing (what turtle does), found ${describeValue(v)}`);
});

/** `build:` is accepted only beside `image` (then ignored, with a note): turtle does not build on routers. */
const build = z.unknown().transform((v, ctx): true => (typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v)) ? true : fail(ctx, `expected a path or a map, found ${describeValue(v)}`)));

const profiles = stringList().superRefine((names, ctx) => {
  names.forEach((name, i) => {
    if (!PROFILE.test(name)) fail(ctx, `profile name ${describeValue(name)} is not valid: letters, digits, _, . and -`, { path: [i] });
  });
});

const d = (description: string, type: string, example: string, dflt?: string) => ({ description, type, example, ...(dflt ? { default: dflt } : {}) });

export const composeShape = {
  hostname: doc(str({ pattern: HOSTNAME, rule: 'letters, digits, - and _, at most 63' }).optional(), d('The container\'s host name, as `hostname` prints it.', 'string', 'db', 'the container id')),
  domainname: doc(str({ pattern: DOMAIN, rule: 'a DNS domain' }).optional(), d('The container\'s NIS domain name.', 'string', 'example.lan')),
  expose: doc(expose.optional(), d('Ports the container listens on, without publishing them on the host (other containers reach them).', 'list of port | "PORT/udp" | "FROM-TO"', '["3000", "9000/udp"]', '[]')),
  env_file: doc(envFile.optional(), d('Files of KEY=VALUE lines (Compose\'s .env format), relative to turtle.yaml\'s folder, read in order; `environment` wins over them. A missing file is an error unless `required: false`.', 'path | list of path | { path, required, format: raw }', '[./common.env, { path: ./local.env, required: false }]', '[]')),
  cap_add: doc(stringList().optional(), d('Linux capabilities to add. Validation notes it; a site may forbid it (`sites.NAME.forbid`).', 'list of strings', '[NET_ADMIN]', '[]')),
  security_opt: doc(stringList().optional(), d('Security options passed to the engine (seccomp, apparmor, label, no-new-privileges).', 'list of strings', '["no-new-privileges:true"]', '[]')),
  privileged: doc(bool().optional(), d('Every capability and every device of the host. Validation notes it; a site may forbid it (`sites.NAME.forbid`).', 'boolean', 'true', 'false')),
  devices: doc(devices.optional(), d('Host devices in the container. Validation notes it; a site may forbid it (`sites.NAME.forbid`).', 'list of "HOST[:CONTAINER[:rwm]]" | { source, target, permissions }', '["/dev/ttyUSB0:/dev/ttyUSB0"]', '[]')),
  tmpfs: doc(tmpfs.optional(), d('Memory-backed mounts, with mount options after a colon.', 'path | list of "PATH[:OPTIONS]"', '["/run", "/tmp:size=64m"]', '[]')),
  extra_hosts: doc(extraHosts.optional(), d('Lines added to /etc/hosts.', 'list of "HOST:ADDRESS" | "HOST=ADDRESS" | map of host → address', '["router:192.168.1.1"]', '[]')),
  dns: doc(oneOrMany().optional(), d('DNS servers.', 'string | list of strings', '[1.1.1.1]', "the engine's")),
  dns_search: doc(oneOrMany().optional(), d('DNS search domains.', 'string | list of strings', 'lan', "the engine's")),
  dns_opt: doc(oneOrMany().optional(), d('resolv.conf options.', 'string | list of strings', '["ndots:2"]', "the engine's")),
  sysctls: doc(stringMap('sysctl').optional(), d('Namespaced kernel parameters of the container.', 'map | list of "KEY=VALUE"', '{ net.core.somaxconn: 1024 }', '{}')),
  init: doc(bool().optional(), d('Run an init process as PID 1 that reaps zombies and forwards signals.', 'boolean', 'true', 'false')),
  stop_signal: doc(str({ pattern: /^(SIG[A-Z0-9+-]+|\d+)$/, rule: 'a signal name such as SIGQUIT, or a number' }).optional(), d('Signal that asks the container to stop.', 'string', 'SIGQUIT', "the image's, else SIGTERM")),
  stop_grace_period: doc(duration().optional(), d('How long a stopping container gets before it is killed; also how long turtle waits when it stops or replaces one.', 'duration', '1m30s', '10s')),
  working_dir: doc(str({ pattern: /^\//, rule: 'an absolute path in the container' }).optional(), d('Directory the command starts in.', 'string', '/app', "the image's")),
  ulimits: doc(ulimits.optional(), d('Resource limits (setrlimit); a number sets soft and hard, -1 is unlimited.', 'map of name → number | { soft, hard }', '{ nofile: { soft: 1024, hard: 2048 }, nproc: 65535 }', "the engine's")),
  pids_limit: doc(num({ int: true, min: -1 }).optional(), d('Most processes the container may have; -1 or 0: unlimited.', 'integer', '200', 'unlimited')),
  logging: doc(logging.optional(), d('Where the container\'s output goes. Absent: json-file capped at `max-size: 10m, max-file: 3`, because a router\'s flash fills up with an uncapped log; Podman, whose json-file has no rotation, gets its k8s-file log with `max-size: 10m`.', 'map', '{ driver: json-file, options: { max-size: 1m } }', '{ driver: json-file, options: { max-size: 10m, max-file: "3" } }')),
  platform: doc(str({ pattern: PLATFORM, rule: 'os/arch[/variant] such as linux/arm64' }).optional(), d('Which platform of a multi-platform image to run.', 'string', 'linux/arm64', "the site's")),
  stdin_open: doc(bool().optional(), d('Keep standard input open.', 'boolean', 'true', 'false')),
  tty: doc(bool().optional(), d('Give the container a terminal.', 'boolean', 'true', 'false')),
  shm_size: doc(size().optional(), d('Size of /dev/shm.', 'size', '256m', '64m')),
  group_add: doc(wordList().optional(), d('More groups for the user, by name or number.', 'list of strings | numbers', '[audio, 1001]', '[]')),
  oom_score_adj: doc(num({ int: true, min: -1000, max: 1000 }).optional(), d('How willingly the kernel kills this container when memory runs out.', 'integer -1000..1000', '500', '0')),
  mem_limit: doc(size({ min: 6 * 2 ** 20, minText: '6m' }).optional(), d('Compose\'s form of resources.memory.', 'size', '256m')),
  mem_reservation: doc(size().optional(), d('Compose\'s form of resources.memory_reservation.', 'size', '128m')),
  memswap_limit: doc(swapSize(size()).optional(), d('Memory plus swap; -1: unlimited swap. Needs a memory limit.', 'size | -1', '512m', "the engine's: twice the memory limit")),
  cpus: doc(num({ above: 0 }).optional(), d('Compose\'s form of resources.cpus.', 'number > 0', '0.5')),
  runtime: doc(str({ pattern: /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, rule: 'the name of an OCI runtime the site\'s engine knows, such as runc, crun or runsc' }).optional(), d('The OCI runtime that runs the container (Compose\'s meaning); the engine refuses one it does not know when the container is created.', 'string', 'crun', "the engine's default")),
  scale: doc(num({ int: true, min: 1 }).optional(), d('Compose\'s form of replicas.', 'integer >= 1', '2')),
  deploy: doc(deploySchema.optional(), d('Compose\'s deploy section: replicas, resources (limits and reservations.memory) and restart_policy.condition map onto replicas, resources, pids_limit and restart; the Swarm keys (placement, update_config, rollback_config, mode: global) are refused with what to use.', 'map', '{ replicas: 2, resources: { limits: { memory: 256m } } }')),
  profiles: doc(profiles.optional(), d('Runs only when one of these profiles is active (`--profile NAME`, or $COMPOSE_PROFILES); a service without profiles always runs.', 'list of names', '[debug]', 'always runs')),
  pull_policy: doc(pullPolicy.optional(), d('Only `missing` (or `if_not_present`): turtle pulls an image only when the site lacks it.', 'missing', 'missing', 'missing')),
  build: doc(build.optional(), d('Accepted beside `image`, and ignored (with a note): turtle deploys images and does not build them on the sites. Without `image` it is refused.', 'path | map', './app')),
};

type Fields = Partial<z.output<ReturnType<typeof obj<typeof composeShape>>>> & { resources?: Resources; replicas?: number; restart?: RestartPolicy };

/** What the Compose keys add to a parsed service; only what was written, so other services are unchanged. */
export function composeFields(s: Fields): { options?: ContainerOptions; resources?: Resources; replicas?: number; restart?: RestartPolicy; profiles?: string[] } {
  const options = containerOptions(s);
  const limits = s.deploy?.resources?.limits;
  const resources: Resources = {
    ...(s.cpus !== undefined || limits?.cpus !== undefined ? { cpus: (s.cpus ?? limits?.cpus)! } : {}),
    ...(s.mem_limit !== undefined || limits?.memory !== undefined ? { memory: (s.mem_limit ?? limits?.memory)! } : {}),
    ...(s.mem_reservation !== undefined || s.deploy?.resources?.reservations?.memory !== undefined ? { memoryReservation: (s.mem_reservation ?? s.deploy?.resources?.reservations?.memory)! } : {}),
    ...s.resources,
  };
  const replicas = s.replicas ?? s.scale ?? s.deploy?.replicas;
  const restart = s.restart ?? s.deploy?.restart_policy?.condition;
  return {
    ...(options ? { options } : {}),
    ...(Object.keys(resources).length > 0 ? { resources } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    ...(restart !== undefined ? { restart } : {}),
    ...(s.profiles !== undefined && s.profiles.length > 0 ? { profiles: s.profiles } : {}),
  };
}

function containerOptions(s: Fields): ContainerOptions | undefined {
  const pids = s.pids_limit ?? s.deploy?.resources?.limits?.pids;
  const o: ContainerOptions = {
    ...(s.hostname !== undefined ? { hostname: s.hostname } : {}),
    ...(s.domainname !== undefined ? { domainname: s.domainname } : {}),
    ...(s.expose?.length ? { expose: s.expose } : {}),
    ...(s.cap_add?.length ? { capAdd: s.cap_add } : {}),
    ...(s.security_opt?.length ? { securityOpt: s.security_opt } : {}),
    ...(s.privileged ? { privileged: true } : {}),
    ...(s.devices?.length ? { devices: s.devices } : {}),
    ...(s.tmpfs && Object.keys(s.tmpfs).length > 0 ? { tmpfs: s.tmpfs } : {}),
    ...(s.extra_hosts?.length ? { extraHosts: s.extra_hosts } : {}),
    ...(s.dns?.length ? { dns: s.dns } : {}),
    ...(s.dns_search?.length ? { dnsSearch: s.dns_search } : {}),
    ...(s.dns_opt?.length ? { dnsOpt: s.dns_opt } : {}),
    ...(s.sysctls && Object.keys(s.sysctls).length > 0 ? { sysctls: s.sysctls } : {}),
    ...(s.init !== undefined ? { init: s.init } : {}),
    ...(s.stop_signal !== undefined ? { stopSignal: s.stop_signal } : {}),
    ...(s.stop_grace_period !== undefined ? { stopGraceMs: s.stop_grace_period } : {}),
    ...(s.working_dir !== undefined ? { workingDir: s.working_dir } : {}),
    ...(s.ulimits?.length ? { ulimits: s.ulimits } : {}),
    ...(pids !== undefined && pids > 0 ? { pidsLimit: pids } : {}),
    ...(s.logging !== undefined ? { logging: { driver: s.logging.driver ?? 'json-file', options: s.logging.options ?? {} } } : {}),
    ...(s.platform !== undefined ? { platform: s.platform } : {}),
    ...(s.stdin_open ? { stdinOpen: true } : {}),
    ...(s.tty ? { tty: true } : {}),
    ...(s.shm_size !== undefined ? { shmSize: s.shm_size } : {}),
    ...(s.group_add?.length ? { groupAdd: s.group_add } : {}),
    ...(s.oom_score_adj !== undefined && s.oom_score_adj !== 0 ? { oomScoreAdj: s.oom_score_adj } : {}),
    ...(s.memswap_limit !== undefined ? { memswapLimit: s.memswap_limit } : {}),
    ...(s.runtime !== undefined ? { runtime: s.runtime } : {}),
  };
  return Object.keys(o).length > 0 ? o : undefined;
}

type Written = Record<string, unknown>;
const at = (v: Written, path: string[]): unknown => path.reduce<unknown>((node, k) => (typeof node === 'object' && node !== null ? (node as Written)[k] : undefined), v);
const show = (v: unknown, bytes: boolean) => (bytes && typeof v === 'number' ? formatBytes(v) : String(v));

/** Settings that Compose lets a file write in two or three places; written in more than one, they must agree. */
const SAME_SETTING: { what: string; bytes?: boolean; paths: string[][] }[] = [
  { what: 'the CPU limit', paths: [['resources', 'cpus'], ['cpus'], ['deploy', 'resources', 'limits', 'cpus']] },
  { what: 'the memory limit', bytes: true, paths: [['resources', 'memory'], ['mem_limit'], ['deploy', 'resources', 'limits', 'memory']] },
  { what: 'the memory reservation', bytes: true, paths: [['resources', 'memory_reservation'], ['mem_reservation'], ['deploy', 'resources', 'reservations', 'memory']] },
  { what: 'the replica count', paths: [['replicas'], ['scale'], ['deploy', 'replicas']] },
  { what: 'the restart policy', paths: [['restart'], ['deploy', 'restart_policy', 'condition']] },
  { what: 'the process limit', paths: [['pids_limit'], ['deploy', 'resources', 'limits', 'pids']] },
];

/** Two forms of one setting with different values: an error at the second, naming both. */
export function checkComposeForms(parsed: Written, ctx: z.core.$RefinementCtx): void {
  const s: Written = { ...parsed, resources: parsed.resources === undefined ? undefined : rawResources(parsed.resources as Resources) };
  for (const { what, bytes, paths } of SAME_SETTING) {
    const written = paths.filter((p) => at(s, p) !== undefined);
    for (const p of written.slice(1)) {
      const first = written[0]!;
      if (at(s, p) === at(s, first)) continue;
      fail(ctx, `\`${formatPath(p)}\` (${show(at(s, p), bytes === true)}) and \`${formatPath(first)}\` (${show(at(s, first), bytes === true)}) both set ${what}`, {
        path: p, hint: `keep one of ${listWords([first, p].map((x) => formatPath(x)), 'and')}`,
      });
    }
  }
  if (s.memswap_limit !== undefined && s.memswap_limit !== -1 && at(s, ['resources', 'memory']) === undefined && s.mem_limit === undefined && at(s, ['deploy', 'resources', 'limits', 'memory']) === undefined)
    fail(ctx, 'memswap_limit needs a memory limit', { path: ['memswap_limit'], hint: 'add mem_limit (or resources.memory) below memswap_limit' });
  const memory = [at(s, ['resources', 'memory']), s.mem_limit, at(s, ['deploy', 'resources', 'limits', 'memory'])].find((m) => typeof m === 'number') as number | undefined;
  if (typeof s.memswap_limit === 'number' && s.memswap_limit !== -1 && memory !== undefined && s.memswap_limit < memory)
    fail(ctx, `memswap_limit (${formatBytes(s.memswap_limit)}) is less than the memory limit (${formatBytes(memory)})`, {
      path: ['memswap_limit'], hint: 'memswap_limit is memory plus swap: make it at least the memory limit (equal: no swap)',
    });
}

function rawResources(r: Resources): Written {
  return { cpus: r.cpus, memory: r.memory, memory_reservation: r.memoryReservation };
}
