// A site's bandwidth plan on this host, with iproute2's `ip` and `tc`. turtle changes only its two IFB
// devices and the qdiscs it puts on its containers' veths; the plan's hash is the `up` device's alias, so a
// check costs two listings and finds anything removed or changed by hand.
import { runCommand, type Exec } from '../lib/exec.js';
import { ifbNames, type BandwidthPlan } from './plan.js';

export type ShapeOutcome = 'unchanged' | 'applied' | 'repaired' | 'removed' | 'none';

/** `ip -o link show`: interface names by index, the names themselves, and each one's alias. */
export interface HostLinks {
  byIndex: Map<number, string>;
  names: Set<string>;
  alias: Map<string, string>;
}

export function parseLinks(text: string): HostLinks {
  const byIndex = new Map<number, string>();
  const alias = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+): ([^:@\s]+)/.exec(line);
    if (!m) continue;
    byIndex.set(Number(m[1]), m[2]!);
    const a = /\\\s+alias (\S+)/.exec(line);
    if (a) alias.set(m[2]!, a[1]!);
  }
  return { byIndex, names: new Set(byIndex.values()), alias };
}

export class Tc {
  /** per site, the plan last put in place and the veths it shaped */
  private readonly applied = new Map<string, { hash: string; veths: string[] }>();

  constructor(private readonly exec: Exec = runCommand) {}

  links(): Promise<HostLinks> {
    return this.exec('ip', ['-o', 'link', 'show']).then(parseLinks);
  }

  /** Puts `plan` in place unless it already is; undefined takes the site's shaping away. */
  async sync(site: string, plan: BandwidthPlan | undefined, links?: HostLinks): Promise<ShapeOutcome> {
    const now = links ?? (await this.links());
    const ifb = ifbNames(site);
    const present = now.names.has(ifb.up) || now.names.has(ifb.down);
    const before = this.applied.get(site);
    if (!plan) {
      if (!present && !before) return 'none';
      await this.teardown(site, await this.qdiscs(), before?.veths ?? []);
      this.applied.delete(site);
      return present ? 'removed' : 'none';
    }
    const qdiscs = await this.qdiscs();
    const marked = now.alias.get(plan.ifb.up)?.replace(/^turtle:/, '');
    const inPlace = marked === plan.hash && now.names.has(plan.ifb.down) && plan.veths.every((v) => qdiscs.includes(`qdisc ingress ffff: dev ${v} `) && qdiscs.includes(`qdisc htb 1: dev ${v} root`)) && qdiscs.includes(`qdisc htb 1: dev ${plan.ifb.up} root`) && qdiscs.includes(`qdisc htb 1: dev ${plan.ifb.down} root`);
    if (inPlace) {
      this.applied.set(site, { hash: plan.hash, veths: plan.veths });
      return 'unchanged';
    }
    await this.teardown(site, qdiscs, [...(before?.veths ?? []), ...plan.veths]);
    for (const dev of [plan.ifb.up, plan.ifb.down]) {
      await this.exec('ip', ['link', 'add', dev, 'type', 'ifb']);
      await this.exec('ip', ['link', 'set', dev, 'up']);
    }
    await this.exec('tc', ['-batch', '-'], plan.batch);
    // the alias last: a plan cut off half-way is not taken for a whole one
    await this.exec('ip', ['link', 'set', 'dev', plan.ifb.up, 'alias', `turtle:${plan.hash}`]);
    this.applied.set(site, { hash: plan.hash, veths: plan.veths });
    return (before?.hash ?? marked) === plan.hash ? 'repaired' : 'applied';
  }

  private qdiscs(): Promise<string> {
    return this.exec('tc', ['qdisc', 'show']);
  }

  /** The site's IFBs, and turtle's qdiscs on `veths` (those still there). */
  private async teardown(site: string, qdiscs: string, veths: readonly string[]): Promise<void> {
    const ifb = ifbNames(site);
    for (const dev of [ifb.up, ifb.down]) await this.exec('ip', ['link', 'del', dev]).catch(() => undefined);
    const lines = [...new Set(veths)].flatMap((v) => [
      ...(qdiscs.includes(`qdisc ingress ffff: dev ${v} `) ? [`qdisc del dev ${v} ingress`] : []),
      ...(qdiscs.includes(`qdisc htb 1: dev ${v} root`) ? [`qdisc del dev ${v} root`] : []),
    ]);
    if (lines.length > 0) await this.exec('tc', ['-force', '-batch', '-'], `${lines.join('\n')}\n`).catch(() => undefined);
  }
}
