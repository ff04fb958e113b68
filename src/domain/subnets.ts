// IPv4 subnets for project networks (pure): a network turtle makes without a written subnet gets the first
// free block of the site's pool, so it never shadows a route the host already has (a router's own LANs,
// guest VLANs, VPN ranges) nor another network on the engine.

/** The pool a site's networks come from unless `sites.NAME.networks.pool` says otherwise. */
export const DEFAULT_POOL = ['172.16.0.0/12', '10.0.0.0/8'] as const;
/** Each network's size: a /24 has room for 253 containers, plenty for one site. */
export const DEFAULT_PREFIX = 24;

export interface Cidr {
  /** the network address as an unsigned 32-bit number */
  base: number;
  prefix: number;
}

/** `10.1.2.0/24` → { base, prefix }, or undefined when it is not an IPv4 CIDR (a bare address is a /32). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  return { base: address - (address % size(prefix)), prefix };
}

const size = (prefix: number) => 2 ** (32 - prefix);

export function formatCidr(c: Cidr): string {
  const o = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
  return `${o.join('.')}/${c.prefix}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b.prefix) && b.base < a.base + size(a.prefix);
}

/** The first block of `prefix` bits in `pool` that overlaps nothing `taken`, or undefined when the pool is full. */
export function pickSubnet(pool: readonly string[], taken: readonly string[], prefix = DEFAULT_PREFIX): string | undefined {
  const used = taken.map(parseCidr).filter((c): c is Cidr => c !== undefined && c.prefix > 0).sort((a, b) => a.base - b.base);
  for (const range of pool.map(parseCidr)) {
    if (!range || range.prefix > prefix) continue;
    const step = size(prefix);
    const end = range.base + size(range.prefix);
    for (let base = range.base; base < end; ) {
      const candidate = { base, prefix };
      const clash = used.find((u) => overlaps(u, candidate));
      if (!clash) return formatCidr(candidate);
      // skip past what is taken, to the next block boundary
      const next = clash.base + size(clash.prefix);
      base = Math.max(base + step, Math.ceil(next / step) * step);
    }
  }
  return undefined;
}

/** The first of `taken` that `subnet` overlaps, or undefined. */
export function firstOverlap(subnet: string, taken: readonly { dst: string; what: string }[]): { dst: string; what: string } | undefined {
  const c = parseCidr(subnet);
  if (!c) return undefined;
  return taken.find((t) => {
    const d = parseCidr(t.dst);
    return d !== undefined && d.prefix > 0 && overlaps(c, d);
  });
}
