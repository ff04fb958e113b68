// A site's bandwidth limits as tc commands (pure). Two IFB devices per site gather what turtle's containers
// send (`up`, redirected from the ingress of each container's host-side veth) and receive (`down`,
// redirected from its egress); on each, an HTB tree: the site's cap (budget.network) over one class per
// limited container (resources.egress / ingress), found by its addresses. Traffic to and from the
// project's own networks is classed apart and never shaped: it does not cross the router's uplink.
// (This kernel has tbf, htb, ingress, u32, mirred and ifb; no matchall, prio, police or netem.)
import { createHash } from 'node:crypto';
import type { Bandwidth } from '../domain/types.js';

export interface ShapedContainer {
  name: string;
  /** its IPv4 addresses on the project's networks */
  addresses: string[];
  /** the host-side ends of its veths */
  veths: string[];
  bandwidth?: Bandwidth;
}

export interface BandwidthInput {
  site: string;
  /** budget.network: bits per second for all of them, each way */
  cap?: number;
  containers: readonly ShapedContainer[];
  /** the project networks' subnets: traffic within them is not shaped */
  local: readonly string[];
}

export interface BandwidthPlan {
  /** the two IFB devices of the site */
  ifb: { up: string; down: string };
  /** the veths whose traffic goes through them */
  veths: string[];
  /** `tc -batch` input that builds everything on fresh devices */
  batch: string;
  /** of the batch; set as the `up` device's alias, to find rules changed by hand */
  hash: string;
  /** per container, what its classes limit (for messages and `turtle top`) */
  limits: { name: string; egress?: number; ingress?: number }[];
}

const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const V4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const V4_RANGE = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/** Unshaped: the rate of a class that stands for "no limit". */
const LINE_RATE = 10e9;

export function ifbNames(site: string): { up: string; down: string } {
  const tag = createHash('sha256').update(site).digest('hex').slice(0, 8);
  return { up: `ttu-${tag}`, down: `ttd-${tag}` };
}

/** Nothing to shape (no cap, no limit): undefined, and the site's devices are removed. */
export function bandwidthPlan(written: BandwidthInput): BandwidthPlan | undefined {
  // every word goes into tc's batch as it is: only interface names, addresses and ranges get there
  const input = {
    ...written,
    local: written.local.filter((s) => V4_RANGE.test(s)),
    containers: written.containers.map((c) => ({ ...c, addresses: c.addresses.filter((a) => V4.test(a)), veths: c.veths.filter((v) => IFACE.test(v)) })),
  };
  const limited = input.containers.filter((c) => c.bandwidth?.egress !== undefined || c.bandwidth?.ingress !== undefined);
  if (input.cap === undefined && limited.length === 0) return undefined;
  const shaped = (input.cap === undefined ? limited : [...input.containers]).filter((c) => c.veths.length > 0).sort((a, b) => a.name.localeCompare(b.name));
  const ifb = ifbNames(input.site);
  const veths = [...new Set(shaped.flatMap((c) => c.veths))].sort();
  const lines: string[] = [];
  for (const v of veths) {
    lines.push(`qdisc add dev ${v} handle ffff: ingress`);
    lines.push(`filter add dev ${v} parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ${ifb.up}`);
    lines.push(`qdisc add dev ${v} root handle 1: htb`);
    lines.push(`filter add dev ${v} parent 1: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ${ifb.down}`);
  }
  const limits: BandwidthPlan['limits'] = [];
  const cap = input.cap ?? LINE_RATE;
  for (const [dev, way, match] of [[ifb.up, 'egress', 'src'], [ifb.down, 'ingress', 'dst']] as const) {
    const local = match === 'src' ? 'dst' : 'src';
    lines.push(`qdisc add dev ${dev} root handle 1: htb default ffff`);
    lines.push(htbClass(dev, '1:', '1:1', cap));
    lines.push(htbClass(dev, '1:', '1:2', LINE_RATE));
    lines.push(htbClass(dev, '1:1', '1:ffff', cap));
    for (const s of [...input.local].sort()) lines.push(`filter add dev ${dev} parent 1: protocol ip prio 1 u32 match ip ${local} ${s} flowid 1:2`);
    shaped.forEach((c, i) => {
      const limit = c.bandwidth?.[way];
      if (limit === undefined) return;
      const id = `1:${(0x10 + i).toString(16)}`;
      lines.push(htbClass(dev, '1:1', id, Math.min(limit, cap)));
      for (const a of [...c.addresses].sort()) lines.push(`filter add dev ${dev} parent 1: protocol ip prio 2 u32 match ip ${match} ${a}/32 flowid ${id}`);
    });
  }
  for (const c of shaped) {
    const egress = c.bandwidth?.egress === undefined ? input.cap : Math.min(c.bandwidth.egress, cap);
    const ingress = c.bandwidth?.ingress === undefined ? input.cap : Math.min(c.bandwidth.ingress, cap);
    limits.push({ name: c.name, ...(egress !== undefined ? { egress } : {}), ...(ingress !== undefined ? { ingress } : {}) });
  }
  const batch = `${lines.join('\n')}\n`;
  return { ifb, veths, batch, hash: createHash('sha256').update(batch).digest('hex').slice(0, 12), limits };
}

/** An HTB class capped at `bits` (rate = ceil); a quantum of one MTU, so low rates stay smooth. */
function htbClass(dev: string, parent: string, id: string, bits: number): string {
  return `class add dev ${dev} parent ${parent} classid ${id} htb rate ${Math.round(bits)}bit ceil ${Math.round(bits)}bit quantum 1514`;
}
