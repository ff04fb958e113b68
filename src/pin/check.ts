// What `turtle lock` records and what a deploy checks first: each site's engine's image ID behind every
// image reference its services use. A deploy with a lock changes no site unless every pinned reference
// still names the pinned image on its site, and every reference the spec uses is pinned.
import { ExitCode, TurtleError, errorMessage } from '../lib/errors.js';
import type { SiteClient } from '../client/types.js';
import type { ImageFacts } from '../runtime/types.js';
import { servicesForSite, type SiteSpec, type Spec } from '../spec/index.js';
import { pinMismatch } from '../converge/images.js';

/** The image references `site`'s services use, sorted. */
export function imagesOf(spec: Spec, site: string): string[] {
  return [...new Set(servicesForSite(spec, site).map((s) => s.image))].sort();
}

/** What the site's engine has behind each of `refs` (undefined: it does not have it). */
export async function siteImages(client: SiteClient, refs: readonly string[]): Promise<Map<string, ImageFacts | undefined>> {
  if (!client.images) throw new TurtleError(`${client.site} cannot say which images it has`, { hint: `upgrade turtle's agent on ${client.site}` });
  const facts = refs.length > 0 ? await client.images(refs) : [];
  return new Map(refs.map((ref, i) => [ref, facts[i]]));
}

/** A pinned reference whose image on the site is not the pinned one: `found` is the ID there now (absent: none). */
export interface BrokenPin {
  ref: string;
  pinned: string;
  found?: string;
}

/** Every pinned reference of `site`'s services that no longer names the pinned image there, in reference order. */
export async function brokenPins(spec: Spec, site: string, client: SiteClient): Promise<BrokenPin[]> {
  const pins = spec.pins?.[site] ?? {};
  const refs = imagesOf(spec, site).filter((r) => pins[r]);
  const facts = await siteImages(client, refs);
  return refs.flatMap((ref) => {
    const found = facts.get(ref)?.id;
    const pinned = pins[ref]!.id;
    return found === pinned ? [] : [{ ref, pinned, ...(found ? { found } : {}) }];
  });
}

/** Throws, naming each site and image, unless every site's images are the ones turtle.lock pins. */
export async function assertPinsHold(spec: Spec, sites: readonly SiteSpec[], connect: (site: SiteSpec) => Promise<SiteClient>): Promise<void> {
  if (!spec.pins) return;
  const lines: string[] = [];
  const fixes: string[] = [];
  await Promise.all(sites.map(async (site) => {
    const pins = spec.pins![site.name] ?? {};
    const refs = imagesOf(spec, site.name);
    const unpinned = refs.filter((r) => !pins[r]);
    if (unpinned.length > 0) {
      lines.push(`${site.name}: turtle.lock does not pin ${unpinned.join(', ')}`);
      fixes.push(`turtle lock --site ${site.name} (adds what is missing, changes nothing pinned)`);
    }
    let broken: BrokenPin[];
    try {
      broken = await brokenPins(spec, site.name, await connect(site));
    } catch (err) {
      // the rollout's own check says what an unreachable site means (wait, skip, fail)
      if (err instanceof TurtleError && err.exitCode === ExitCode.unreachable) return;
      throw new TurtleError(`${site.name}: could not check its images against turtle.lock: ${errorMessage(err)}`, { exitCode: ExitCode.failed, cause: err });
    }
    for (const { ref, found, pinned } of broken) {
      const e = pinMismatch(site.name, ref, found, pinned);
      lines.push(e.message.startsWith(`${site.name}:`) ? e.message : `${site.name}: ${e.message}`);
      fixes.push(e.hint!);
    }
  }));
  if (lines.length === 0) return;
  lines.sort();
  throw new TurtleError(`no site was changed:\n  ${lines.join('\n  ')}`, { exitCode: ExitCode.invalid, hint: [...new Set(fixes)].join('; ') });
}
