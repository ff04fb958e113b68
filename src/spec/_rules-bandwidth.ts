// Rules for bandwidth limits: they are shaped by a site's agent, on a project network. Where one cannot
// apply them (a site driven straight through its engine, a service on the host's network), validation says
// so as a note rather than letting a written limit be dropped without a word.
import type { Spec } from './types.js';
import type { Problem } from './_problems.js';
import { placedOn } from './place.js';

export function checkBandwidth(spec: Spec, problems: Problem[]): void {
  for (const site of Object.values(spec.sites)) {
    if (site.role !== 'edge') continue;
    const limited = placedOn(spec, site.name).filter((s) => s.bandwidth);
    if (site.agent === undefined) {
      if (site.budget.network !== undefined)
        problems.push({ path: ['sites', site.name, 'budget', 'network'], at: 'key', note: true, message: `not applied on ${site.name}: bandwidth is shaped by a site's agent, and ${site.name} is driven straight through its engine`, hint: `give ${site.name} an agent: run \`turtle agent --site ${site.name}\` there and write its address as agent: in the site` });
      for (const s of limited)
        problems.push({ path: ['services', s.name, 'resources'], at: 'key', note: true, message: `egress and ingress are not applied on ${site.name}: bandwidth is shaped by a site's agent, and ${site.name} has none`, hint: `give ${site.name} an agent, or leave the limits for the sites that have one` });
    }
  }
  for (const s of Object.values(spec.services))
    if (s.bandwidth && s.networking?.mode === 'host')
      problems.push({ path: ['services', s.name, 'resources'], at: 'key', note: true, message: `egress and ingress are not applied to ${s.name}: with network_mode host it has no veth of its own to shape`, hint: 'put it on a project network, or shape the host\'s interface yourself' });
}
