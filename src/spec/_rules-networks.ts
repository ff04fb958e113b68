// Rules for networks across sections: every network a service names is declared, network_mode service:X
// names a service beside it, subnets do not overlap, a fixed address is inside its network's subnet.
import type { Spec } from './types.js';
import type { Problem } from './_problems.js';
import { fieldPath, type RuleContext } from './_rule-context.js';
import { placedOn } from './place.js';
import { didYouMean } from './_words.js';

export const DEFAULT_NETWORK = 'default';

export function checkNetworks(spec: Spec, ctx: RuleContext, problems: Problem[]): void {
  checkSubnets(spec, problems);
  const declared = [DEFAULT_NETWORK, ...Object.keys(spec.networks ?? {}).filter((k) => k !== DEFAULT_NETWORK)];
  const names = new Map<string, string>(); // container_name → service
  for (const service of Object.values(spec.services)) {
    const n = service.networking;
    const at = (path: (string | number)[]) => ['services', service.name, ...path];
    if (n?.mode && n.networks) {
      problems.push({ path: at(['network_mode']), message: `network_mode ${n.mode} and networks cannot both be set`, hint: 'keep one: network_mode puts the service outside the project networks' });
    }
    for (const [key, entry] of Object.entries(n?.networks ?? {})) {
      if (!declared.includes(key)) {
        problems.push({ path: at(['networks', ...keyPath(ctx, service.name, key)]), message: `unknown network \`${key}\`${didYouMean(key, declared)}`, hint: `declare it under the top-level networks: (${key}: {}), or use one of: ${declared.join(', ')}` });
        continue;
      }
      if (entry.ipv4Address) checkAddress(spec, key, entry.ipv4Address, at(['networks', key, 'ipv4_address']), problems);
    }
    if (n?.containerName) {
      const other = names.get(n.containerName) ?? (n.containerName !== service.name && spec.services[n.containerName] ? n.containerName : undefined);
      if (other) problems.push({ path: at(['container_name']), message: `container_name \`${n.containerName}\` is also ${other === n.containerName ? 'a service' : `the container_name of ${other}`}`, hint: 'each name must find one service' });
      names.set(n.containerName, service.name);
    }
  }
  for (const site of Object.values(spec.sites)) {
    if (site.role !== 'edge') continue;
    const here = placedOn(spec, site.name);
    const onSite = new Set(here.map((s) => s.name));
    for (const service of here) {
      const n = service.networking;
      const mode = n?.mode;
      if (mode?.startsWith('service:')) {
        const other = mode.slice('service:'.length);
        const { path } = fieldPath(ctx, site.name, service.name, ['network_mode']);
        if (!spec.services[other]) problems.push({ path, message: `network_mode names unknown service \`${other}\`${didYouMean(other, Object.keys(spec.services))}`, hint: `known services: ${Object.keys(spec.services).join(', ')}` });
        else if (other === service.name) problems.push({ path, message: `${service.name} cannot share its own network`, hint: 'name another service' });
        else if (!onSite.has(other)) problems.push({ path, message: `${service.name} shares the network of ${other}, which does not run on ${site.name}`, hint: `add ${site.name} to services.${other}.sites, or remove ${site.name} from services.${service.name}.sites` });
        else if (spec.services[other]?.networking?.mode?.startsWith('service:')) problems.push({ path, message: `${other} shares another service's network itself`, hint: `name the service whose network ${other} shares` });
      }
      (n?.links ?? []).forEach((link, i) => {
        const { path } = fieldPath(ctx, site.name, service.name, ['links', i]);
        if (!spec.services[link.service]) problems.push({ path, message: `links names unknown service \`${link.service}\`${didYouMean(link.service, Object.keys(spec.services))}`, hint: `known services: ${Object.keys(spec.services).join(', ')}` });
        else if (!onSite.has(link.service)) problems.push({ path, message: `${service.name} links to ${link.service}, which does not run on ${site.name}`, hint: `add ${site.name} to services.${link.service}.sites` });
      });
    }
  }
}

/** Where a service names network `key`: the list entry, or the map key. */
function keyPath(ctx: RuleContext, service: string, key: string): (string | number)[] {
  const written = (ctx.rawServices[service] as { networks?: unknown } | undefined)?.networks;
  return Array.isArray(written) ? [written.indexOf(key)] : [key];
}

function checkSubnets(spec: Spec, problems: Problem[]): void {
  const seen: { key: string; subnet: string; range: [number, number] }[] = [];
  for (const [key, net] of Object.entries(spec.networks ?? {})) {
    net.subnets.forEach((s, i) => {
      const range = cidrRange(s.subnet);
      const path = ['networks', key, 'ipam', 'config', i, 'subnet'];
      if (range[0] !== ipNumber(s.subnet.split('/')[0]!)) {
        problems.push({ path, message: `${s.subnet} is not the start of a subnet`, hint: `write ${formatIp(range[0])}/${s.subnet.split('/')[1]}` });
      }
      const clash = seen.find((o) => o.range[0] <= range[1] && range[0] <= o.range[1]);
      if (clash) problems.push({ path, message: `subnet ${s.subnet} of network ${key} overlaps ${clash.subnet} of network ${clash.key}`, hint: 'give each network its own subnet' });
      for (const [field, address] of [['gateway', s.gateway], ['ip_range', s.ipRange?.split('/')[0]]] as const) {
        if (address && !inRange(ipNumber(address), range)) problems.push({ path: ['networks', key, 'ipam', 'config', i, field], message: `${field} ${address} is outside the subnet ${s.subnet}`, hint: `pick one inside ${s.subnet}` });
      }
      seen.push({ key, subnet: s.subnet, range });
    });
  }
}

function checkAddress(spec: Spec, key: string, address: string, path: (string | number)[], problems: Problem[]): void {
  const subnets = spec.networks?.[key]?.subnets ?? [];
  if (subnets.length === 0) {
    problems.push({ path, message: `a fixed address needs a subnet: network ${key} has none`, hint: `add networks.${key}.ipam.config: [{ subnet: … }] containing ${address}` });
  } else if (!subnets.some((s) => inRange(ipNumber(address), cidrRange(s.subnet)))) {
    problems.push({ path, message: `${address} is outside network ${key}'s ${subnets.map((s) => s.subnet).join(', ')}`, hint: 'pick an address inside the subnet' });
  }
}

export function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function formatIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** First and last address of `a.b.c.d/len`. */
export function cidrRange(cidr: string): [number, number] {
  const [ip, len] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(len));
  const start = Math.floor(ipNumber(ip) / size) * size;
  return [start, start + size - 1];
}

function inRange(n: number, [first, last]: [number, number]): boolean {
  return n >= first && n <= last;
}
