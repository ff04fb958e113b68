// The IPv4 routes and addresses of the host this process runs on, in every routing table (a WireGuard
// tunnel's routes often sit in a table of their own): what a new project network must not shadow.
// `ip -j route show table all` (iproute2; a router's busybox `ip` lacks -j) else /proc/net/route (the main
// table only).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

export interface HostRoute {
  /** `192.168.1.0/24`, or an address as a /32 */
  dst: string;
  /** how it reads to an operator: `dev br0`, `blackhole`, `address of eth0` */
  what: string;
  /** a bridge an engine made for one of its own networks (docker0, br-…, podman…, cni-…) */
  engine: boolean;
}

const ENGINE_DEV = /^(docker\d*|br-[0-9a-f]+|tt-[0-9a-f]{12}$|podman\d*|cni-|veth)/;
const SKIP_TYPES = new Set(['broadcast', 'multicast', 'anycast', 'throw', 'nat']);

interface IpRoute {
  dst: string;
  dev?: string;
  type?: string;
  table?: string;
}

export function hostRoutes(): HostRoute[] {
  const out: HostRoute[] = [];
  const routes = fromIp() ?? fromProc();
  for (const r of routes) {
    if (r.dst === 'default' || r.dst === '0.0.0.0/0' || SKIP_TYPES.has(r.type ?? '')) continue;
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    const what = [r.type && r.type !== 'unicast' ? r.type : undefined, r.dev ? `dev ${r.dev}` : undefined, r.table && r.table !== 'main' ? `table ${r.table}` : undefined].filter(Boolean).join(' ') || 'a route';
    out.push({ dst, what, engine: r.dev !== undefined && ENGINE_DEV.test(r.dev) });
  }
  for (const [name, addresses] of Object.entries(networkInterfaces()))
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal && a.cidr) out.push({ dst: a.cidr, what: `the address of ${name}`, engine: ENGINE_DEV.test(name) });
  return out;
}

function fromIp(): IpRoute[] | undefined {
  try {
    return JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8', timeout: 2_000, stdio: ['ignore', 'pipe', 'ignore'] })) as IpRoute[];
  } catch {
    return undefined;
  }
}

/** /proc/net/route: destination and mask in little-endian hex. */
function fromProc(): IpRoute[] {
  let text: string;
  try {
    text = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const hex = (h: string) => {
    const n = Number.parseInt(h, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
  };
  return text.split('\n').slice(1).filter(Boolean).map((line) => {
    const [dev, dst, , , , , , mask] = line.trim().split(/\s+/);
    const bits = hex(mask ?? '0').reduce((b, o) => b + o.toString(2).replace(/0/g, '').length, 0);
    return { dst: `${hex(dst ?? '0').join('.')}/${bits}`, ...(dev ? { dev } : {}) };
  });
}
