// `turtle audit`: what in a spec weakens a site, service by service, each finding with a severity and the
// change that fixes it. Pure: the spec, and what each site's engine said of its images (when it was asked).
import type { ImageFacts } from '../runtime/types.js';
import type { ServiceSpec, Spec } from '../spec/types.js';
import { imageParts } from '../domain/image.js';

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  severity: Severity;
  /** a stable name for the check (the table in the README) */
  check: string;
  /** absent: the project's */
  service?: string;
  /** where it was found (none: the project's) */
  sites: string[];
  message: string;
  fix: string;
}

/** Per site: its services as it runs them, and its engine's facts by image reference (absent: not asked). */
export interface SiteView {
  site: string;
  services: ServiceSpec[];
  images?: ReadonlyMap<string, ImageFacts | undefined>;
}

/** Capabilities that amount to root on the host, or to its network (this is a router) */
const STRONG_CAPS = new Set(['ALL', 'SYS_ADMIN', 'SYS_MODULE', 'SYS_PTRACE', 'SYS_RAWIO', 'DAC_READ_SEARCH', 'NET_ADMIN', 'BPF']);
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const BIG_IMAGE = 500 * 1024 ** 2;

export function audit(spec: Spec, views: readonly SiteView[]): Finding[] {
  const found = new Map<string, Finding>();
  const add = (site: string, f: Omit<Finding, 'sites'>) => {
    const key = `${f.service ?? ''}\0${f.check}\0${f.message}`;
    const seen = found.get(key);
    if (seen) seen.sites.push(site);
    else found.set(key, { ...f, sites: [site] });
  };
  for (const view of views) for (const service of view.services) for (const f of serviceFindings(service, view.images, spec.pins?.[view.site]?.[service.image] !== undefined)) add(view.site, { ...f, service: service.name });
  if (!spec.hashKey && views.length > 0)
    found.set('unkeyed-versions', { sites: [], severity: 'low', check: 'unkeyed-versions', message: 'versions are plain sha256 of the spec: whoever sees one (events, the observer) can test a guess at a value in environment', fix: 'turtle secret init, and commit turtle.secrets/hash.key' });
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return [...found.values()].sort((a, b) => rank(b.severity) - rank(a.severity) || (a.service ?? '').localeCompare(b.service ?? '') || a.check.localeCompare(b.check));
}

type Found = Omit<Finding, 'sites' | 'service'>;

function serviceFindings(s: ServiceSpec, images: SiteView['images'], locked: boolean): Found[] {
  const out: Found[] = [];
  const o = s.options ?? {};
  const facts = images?.get(s.image);
  if (o.privileged) out.push({ severity: 'high', check: 'privileged', message: 'runs privileged: every device and capability of the host', fix: 'remove `privileged: true`; add only the capabilities it needs with cap_add' });
  if (s.networking?.mode === 'host') out.push({ severity: 'high', check: 'host-network', message: "shares the host's network: it can bind any port and see every interface of the router", fix: 'drop `network_mode: host`; publish the ports it serves with `ports:`' });
  const unconfined = (o.securityOpt ?? []).filter((x) => /^(seccomp|apparmor|label)[:=](unconfined|disable)$/.test(x));
  if (unconfined.length > 0) out.push({ severity: 'high', check: 'unconfined', message: `runs without its confinement: security_opt ${unconfined.join(', ')}`, fix: 'remove these security_opt entries' });
  const caps = o.capAdd ?? [];
  const strong = caps.filter((c) => STRONG_CAPS.has(c.toUpperCase().replace(/^CAP_/, '')));
  if (caps.length > 0) out.push({ severity: strong.length > 0 ? 'high' : 'medium', check: 'cap-add', message: `adds capabilities: ${caps.join(', ')}`, fix: strong.length > 0 ? `${strong.join(', ')} give${strong.length === 1 ? 's' : ''} the container power over the host: find a way without` : 'keep only those it needs, and drop the rest with cap_drop: [ALL]' });
  if ((o.devices ?? []).length > 0) out.push({ severity: 'medium', check: 'devices', message: `reaches host devices: ${o.devices!.map((d) => d.host).join(', ')}`, fix: 'keep only the devices it needs' });
  const literal = Object.entries(s.env).filter(([k, v]) => SECRET_NAME.test(k) && !/_FILE$/i.test(k) && v !== '').map(([k]) => k);
  if (literal.length > 0) out.push({ severity: 'high', check: 'secret-in-env', message: `${literal.join(', ')} ${literal.length === 1 ? 'looks like a secret and is' : 'look like secrets and are'} in environment: in the spec, the engine's inspect and every process of the container`, fix: "keep it in turtle's store (turtle secret set NAME) and read it as a file: secrets: [NAME], and NAME_FILE=/run/secrets/NAME where the image takes it" });
  const asEnv = Object.keys(s.secretEnv ?? {});
  if (asEnv.length > 0) out.push({ severity: 'medium', check: 'secret-in-env', message: `${asEnv.join(', ')} ${asEnv.length === 1 ? 'is a secret' : 'are secrets'} passed as a variable, which the engine's inspect shows`, fix: 'deliver it as a file (secrets: [NAME]) where the image can read one (*_FILE)' });
  const user = s.user ?? facts?.user;
  if (user === undefined) out.push({ severity: 'medium', check: 'root', message: "sets no user, and the image's could not be read: it may run as root", fix: 'set `user:` to a numeric uid:gid the image works with' });
  else if (/^(|root|0)(:.*)?$/.test(user)) out.push({ severity: 'medium', check: 'root', message: s.user === undefined ? 'runs as root (the image says so, and the spec sets no user)' : `runs as root (user: ${s.user})`, fix: 'set `user:` to a numeric uid:gid the image works with' });
  const ownCheck = s.healthcheck && s.healthcheck.test[0] !== 'NONE';
  if (!ownCheck && !s.probe && (s.healthcheck?.test[0] === 'NONE' || facts?.healthcheck === false))
    out.push({ severity: 'low', check: 'no-healthcheck', message: 'has no health check: a rollout cannot tell a broken version from a good one', fix: 'add a healthcheck: (test, interval) or a turtle probe' });
  const missing = [s.resources.memory === undefined ? 'memory' : '', s.resources.cpus === undefined ? 'cpus' : ''].filter((x) => x);
  if (missing.length > 0) out.push({ severity: missing.includes('memory') ? 'medium' : 'low', check: 'no-limits', message: `no ${missing.join(' or ')} limit: it can take what the router needs for routing`, fix: `set resources: { ${missing.map((m) => (m === 'memory' ? 'memory: 256m' : 'cpus: 0.5')).join(', ')} } (turtle optimise suggests values)` });
  if (!s.readOnly) out.push({ severity: 'low', check: 'writable-root', message: 'its root filesystem is writable', fix: 'read_only: true, with tmpfs: or volumes for the paths it writes' });
  const { tag, digest } = imageParts(s.image);
  if (!digest && (tag === undefined || tag === 'latest')) out.push({ severity: 'medium', check: 'latest-tag', message: `${s.image} names no version: each pull may bring another`, fix: 'name a version tag (nginx:1.27), or pin a digest (name@sha256:…)' });
  if (!digest && !locked) out.push({ severity: 'low', check: 'no-digest', message: `${s.image} is not pinned: the tag can be moved to other content`, fix: 'turtle lock pins what each site runs (commit turtle.lock), or write name@sha256:…' });
  if (facts && facts.sizeBytes > BIG_IMAGE) out.push({ severity: 'low', check: 'image-size', message: `${s.image} is ${Math.round(facts.sizeBytes / 1024 ** 2)} MB: slow to move to a router, and a large attack surface`, fix: 'use a slim or distroless base image' });
  return out;
}

/** Does any finding reach `threshold`? */
export function reaches(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => SEVERITIES.indexOf(f.severity) >= SEVERITIES.indexOf(threshold));
}
