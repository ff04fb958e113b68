// `turtle lock`: record in turtle.lock, per site, the image ID (and registry digest) behind every image
// reference turtle.yaml uses there. Without --update it only adds what is missing and refuses to change a
// pin: a tag that moved is for a person to look at first.
import type { Command } from 'commander';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import { lockPath, writeLock, type Pins } from '../../pin/lock-file.js';
import { imagesOf, siteImages } from '../../pin/check.js';
import { connectSite, loadSpec, selectSites, type GlobalOptions } from '../context.js';

export function register(program: Command, globals: () => GlobalOptions): void {
  program
    .command('lock')
    .description("record in turtle.lock the image each site has behind every image reference of turtle.yaml (a deploy then refuses a tag moved to other content)")
    .option('--site <names>', 'only these sites (comma-separated, or all)')
    .option('--update', 'also re-record pins whose tag now names another image (after checking why)')
    .action(async (opts: { site?: string; update?: boolean }) => {
      const spec = loadSpec(globals());
      const sites = selectSites(spec, opts.site);
      const before: Pins = spec.pins ?? {};
      const after: Pins = Object.fromEntries(Object.entries(before).filter(([site]) => spec.sites[site]?.role === 'edge'));
      const missing: string[] = [];
      const moved: string[] = [];
      const changes: string[] = [];
      // every site is read before the file is written: one that cannot say changes nothing
      const read = await Promise.all(sites.map(async (site) => {
        const refs = imagesOf(spec, site.name);
        return { site: site.name, refs, facts: await siteImages(await connectSite(spec, site, globals()), refs) };
      }));
      for (const { site, refs, facts } of read) {
        const old = before[site] ?? {};
        const pins: Pins[string] = {};
        for (const ref of refs) {
          const found = facts.get(ref);
          if (!found) {
            missing.push(`${site} does not have ${ref}`);
            continue;
          }
          const digest = registryDigest(found.digests);
          const pin = { id: found.id, ...(digest ? { digest } : {}) };
          const was = old[ref];
          if (was && was.id !== pin.id && !opts.update) {
            moved.push(`${site}: ${ref} is ${pin.id.slice(0, 19)}… there, turtle.lock says ${was.id.slice(0, 19)}…`);
            pins[ref] = was;
            continue;
          }
          if (!was) changes.push(`${site}: ${ref} pinned to ${pin.id.slice(0, 19)}…`);
          else if (was.id !== pin.id) changes.push(`${site}: ${ref} re-pinned from ${was.id.slice(0, 19)}… to ${pin.id.slice(0, 19)}…`);
          pins[ref] = pin;
        }
        for (const ref of Object.keys(old)) if (!refs.includes(ref)) changes.push(`${site}: ${ref} dropped (no service there uses it)`);
        after[site] = pins;
      }
      if (missing.length > 0 || moved.length > 0) {
        throw new TurtleError(`turtle.lock was not changed:\n  ${[...missing, ...moved].join('\n  ')}`, {
          exitCode: ExitCode.invalid,
          hint: [missing.length > 0 ? 'turtle deploy brings the missing images (or pull/load them there), then turtle lock' : '', moved.length > 0 ? 'a tag moved to other content: find out why; if the new image is right, turtle lock --update' : ''].filter((x) => x).join('; '),
        });
      }
      const path = lockPath(spec.file);
      writeLock(path, after);
      console.log(changes.length > 0 ? changes.join('\n') : `${path}: every image already pinned`);
      if (changes.length > 0) console.error(`wrote ${path}: commit it; a deploy now refuses a site whose tags name other images (the next deploy replaces each newly pinned container once)`);
    });
}

/** The registry digest among an image's digests (Podman also lists a `localhost/` one for an image built here). */
function registryDigest(digests: readonly string[]): string | undefined {
  return digests.find((d) => !d.startsWith('localhost/'));
}
