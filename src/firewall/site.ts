// The agent's part in isolation: after each reconcile, the rules its desired state asks for, put in place
// on the agent's own host (and put back when something else changed them). Failures are events, not
// failed deploys: a host without iptables runs its services, and says they are not isolated.
import { coalesced } from '../lib/coalesce.js';
import { errorMessage } from '../lib/errors.js';
import { isLocalEngine } from '../lib/endpoint.js';
import { bridgeName, networksOf } from '../domain/network.js';
import type { ContainerSpec, RuntimeKind } from '../domain/types.js';
import type { ManagesNetworks } from '../runtime/types.js';
import type { EventLog } from '../store/events.js';
import { Iptables } from './iptables.js';
import { firewallScript, openPorts, type FirewallInput } from './rules.js';

export interface SiteFirewallOptions {
  site: string;
  kind: RuntimeKind;
  endpoint: string;
  events: Pick<EventLog, 'append'>;
  /** the site's desired containers, read at each sync */
  containers: () => readonly ContainerSpec[] | undefined;
  engine: Pick<ManagesNetworks, 'engineSubnets'>;
  iptables?: Iptables;
}

/** The rules for `containers` of a site (pure but for the engine's list of networks). */
export async function firewallInput(site: string, kind: RuntimeKind, containers: readonly ContainerSpec[], engine: Pick<ManagesNetworks, 'engineSubnets'>): Promise<FirewallInput> {
  const made = networksOf(containers).filter((n) => !n.external && n.driver === 'bridge');
  const all = made.length > 0 ? await engine.engineSubnets() : [];
  const subnetsOf = new Map(all.map((n) => [n.name, n.subnets]));
  const own = new Set(made.flatMap((n) => subnetsOf.get(n.name) ?? []));
  return {
    site,
    networks: made.map((n) => ({ name: n.name, iface: bridgeName(n), subnets: subnetsOf.get(n.name) ?? [], gatewayDns: kind === 'podman' })),
    open: openPorts(containers.flatMap((c) => c.ports), made[0]?.hostAccess ?? []),
    others: [...new Set(all.flatMap((n) => n.subnets))].filter((s) => !own.has(s)).sort(),
  };
}

export class SiteFirewall {
  private readonly iptables: Iptables;
  private lastProblem: string | undefined;
  /** no rule of the site's is on the host, as checked since the last time there were: no need to look again */
  private clear = false;
  /** Brings the host's rules to what the desired containers need; one sync at a time, a request during one runs after it. */
  readonly sync: () => Promise<void>;

  constructor(private readonly opts: SiteFirewallOptions) {
    this.iptables = opts.iptables ?? new Iptables();
    this.sync = coalesced(() => this.once(opts.containers() ?? [], opts.engine));
  }

  private async once(containers: readonly ContainerSpec[], engine: Pick<ManagesNetworks, 'engineSubnets'>): Promise<void> {
    const { site, events } = this.opts;
    try {
      const input = await firewallInput(site, this.opts.kind, containers, engine);
      if (!isLocalEngine(this.opts.endpoint)) {
        if (input.networks.length > 0) this.problem(`isolation rules not applied on ${site}: its engine at ${this.opts.endpoint} is not on the agent's host, whose firewall the agent writes`);
        return;
      }
      if (input.networks.length === 0) {
        if (this.clear) return;
        if (await this.iptables.remove(site)) events.append({ site, type: 'firewall.removed', message: `isolation rules of ${site} removed: no project network left` });
        this.lastProblem = undefined;
        this.clear = true;
        return;
      }
      this.clear = false;
      const outcome = await this.iptables.sync(site, firewallScript(input));
      const open = input.open.map((p) => `${p.port}${p.to ? `-${p.to}` : ''}/${p.protocol}`).join(', ') || 'none';
      const names = input.networks.map((n) => n.name).join(', ');
      if (outcome === 'applied') events.append({ site, type: 'firewall.applied', message: `isolation rules for ${names} on ${site}; host ports open to their containers: ${open}`, data: { networks: input.networks.map((n) => n.name), open } });
      if (outcome === 'repaired') events.append({ site, type: 'firewall.repaired', message: `isolation rules of ${site} were changed or moved outside turtle: put back (${names})` });
      this.lastProblem = undefined;
    } catch (err) {
      this.problem(`isolation rules not applied on ${site}: ${errorMessage(err)}`);
    }
  }

  /** One event per distinct problem, not one per reconcile. */
  private problem(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.opts.events.append({ site: this.opts.site, type: 'firewall.failed', message });
  }
}
