// `turtle top`'s BANDWIDTH IN/OUT: what the site's agent shapes a container to (pure).
import type { Bandwidth } from '../domain/types.js';
import { formatRate } from '../spec/_units.js';

/** The service's limits, within the site's cap; the cap alone where it has none; `-` for neither. */
export function bandwidthColumn(bandwidth: Bandwidth | undefined, cap: number | undefined, agent: boolean): string {
  if (!bandwidth && cap === undefined) return '-';
  const way = (own: number | undefined) => (own !== undefined ? formatRate(Math.min(own, cap ?? Infinity)) : cap !== undefined ? `${formatRate(cap)}(site)` : '-');
  return `${way(bandwidth?.ingress)}/${way(bandwidth?.egress)}${agent ? '' : ' (not applied: no agent)'}`;
}
