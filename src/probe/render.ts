// A probe as text for `turtle probe --site NAME`.
import type { Spread } from './spread.js';
import type { SiteProbe } from './types.js';

const MB = 1e6;

export function renderProbe(p: SiteProbe): string {
  const s = (x: Spread, unit: string, scale = 1, digits = 0): string =>
    `${(x.min / scale).toFixed(digits)} / ${(x.median / scale).toFixed(digits)} / ${(x.max / scale).toFixed(digits)} ${unit} (min / median / max of ${x.n})`;
  const lines = [
    `site ${p.site}: ${p.engine.kind} ${p.engine.version} (API ${p.engine.apiVersion}, ${p.engine.os}/${p.engine.arch}) at ${p.engine.endpoint}, probed ${p.at}`,
    `  host                  ${p.host.cpus} cores, ${(p.host.memoryBytes / MB).toFixed(0)} MB`,
    p.daemons.length === 0
      ? '  engine daemons        not on this host (remote endpoint): RSS not measured'
      : `  engine daemons        ${p.daemons.map((d) => `${d.name} (pid ${d.pid}) ${(d.rssBytes / MB).toFixed(1)} MB`).join(', ')}`,
    `  daemon RSS            ${s(p.daemonRssBytes, 'MB', MB, 1)}`,
    `  container start       ${s(p.startLatencyMs, 'ms')}`,
    `  per-container memory  ${s(p.perContainerBytes, 'MB', MB, 1)}`,
    `  busy loop, native     ${s(p.nativeLoopCpuMs, 'ms CPU')}`,
    `  busy loop, container  ${s(p.containerLoopCpuMs, 'ms CPU')}`,
    `  CPU overhead          ${p.cpuOverheadPercent.toFixed(1)}% (medians; target <= 5%)`,
    `  free now              ${Number.isNaN(p.free.cpus) ? 'unknown (remote engine)' : `${p.free.cpus.toFixed(2)} cores idle, ${(p.free.memoryBytes / MB).toFixed(0)} MB available`}`,
  ];
  return lines.join('\n') + '\n';
}
