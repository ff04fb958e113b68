// `ports`: Compose short syntax ("127.0.0.1:8080:80/tcp", ranges) and long syntax → PortBinding[].
import { isIP } from 'node:net';
import { z } from 'zod';
import type { PortBinding } from '../domain/types.js';
import { describeValue } from './_words.js';
import { doc, fail, isMap, num, obj, oneOf, str } from './_fields.js';

class PortError extends Error {}

function portRange(text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw new PortError(`${what} port "${text}" is not a number`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  for (const p of [lo, hi]) if (p < 1 || p > 65535) throw new PortError(`${what} port ${p} is outside 1-65535`);
  if (hi < lo) throw new PortError(`${what} port range ${text} runs backwards`);
  return [lo, hi];
}

/** `[HOST_IP:][HOST:]CONTAINER[/PROTOCOL]`; IPv6 addresses in brackets. */
export function parseShortPort(text: string): PortBinding[] {
  let rest = text.trim();
  let protocol: 'tcp' | 'udp' = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1);
    if (p !== 'tcp' && p !== 'udp') throw new PortError(`protocol "${p}" is not tcp or udp`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) [hostIp, rest] = [v6[1]!, v6[2]!];
  const parts = rest.split(':');
  if (parts.length > 3 || (hostIp !== undefined && parts.length > 2))
    throw new PortError('expected [HOST_IP:][HOST:]CONTAINER[/PROTOCOL] (put IPv6 addresses in brackets)');
  if (parts.length === 3) hostIp = parts.shift();
  if (hostIp !== undefined && hostIp !== '' && !isIP(hostIp)) throw new PortError(`host address "${hostIp.slice(0, 60)}" is not an IP address`);
  const container = portRange(parts.pop()!, 'container');
  const hostText = parts.pop();
  const host = hostText === undefined || hostText === '' ? undefined : portRange(hostText, 'host');
  const count = container[1] - container[0];
  if (host && host[1] - host[0] !== count)
    throw new PortError(`host range ${hostText} and container range must be the same length`);
  const out: PortBinding[] = [];
  for (let i = 0; i <= count; i++) {
    const binding: PortBinding = { container: container[0] + i, protocol };
    if (host) binding.host = host[0] + i;
    if (hostIp !== undefined && hostIp !== '') binding.hostIp = hostIp;
    out.push(binding);
  }
  return out;
}

const portNumber = num({ int: true, min: 1, max: 65535 });

export const portShape = {
  target: doc(portNumber, { description: 'Port inside the container.', type: 'integer 1..65535', example: '80' }),
  published: doc(portNumber.optional(), { description: 'Port on the host.', type: 'integer 1..65535', default: 'picked by the engine', example: '8080' }),
  host_ip: doc(str().optional(), { description: 'Host address to listen on.', type: 'string', default: 'all addresses', example: '127.0.0.1' }),
  protocol: doc(oneOf(['tcp', 'udp'] as const).optional(), { description: 'Transport protocol.', type: 'tcp | udp', default: 'tcp', example: 'udp' }),
};

const longPort = obj(portShape,
  { unsupported: { mode: 'ports are always published on the host of each site', app_protocol: '', name: '' } },
).transform((p, ctx): PortBinding[] => {
  if (p.host_ip !== undefined && p.host_ip !== '' && !isIP(p.host_ip)) {
    return fail(ctx, `host_ip must be an IP address, found ${describeValue(p.host_ip)}`, { hint: 'e.g. 127.0.0.1, 0.0.0.0 or ::1; a name is not resolved here' });
  }
  const binding: PortBinding = { container: p.target, protocol: p.protocol ?? 'tcp' };
  if (p.published !== undefined) binding.host = p.published;
  if (p.host_ip !== undefined && p.host_ip !== '') binding.hostIp = p.host_ip;
  return [binding];
});

/** One entry of `ports`; may expand to several bindings (ranges). */
export const portEntry = z.unknown().transform((value, ctx): PortBinding[] => {
  if (typeof value === 'string' || typeof value === 'number') {
    try {
      return parseShortPort(String(value));
    } catch (err) {
      if (!(err instanceof PortError)) throw err;
      return fail(ctx, `${err.message}, found ${describeValue(value)}`, { hint: 'e.g. "8080:80", "127.0.0.1:8443:443/tcp" or "9000"' });
    }
  }
  if (!isMap(value)) return fail(ctx, `expected a port such as "8080:80" or a map with target, found ${describeValue(value)}`);
  const parsed = longPort.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, input: undefined } as z.core.$ZodRawIssue);
  return z.NEVER;
});
