// Images are checked (and pulled when missing) before any container is touched, so a missing image
// fails the deploy while the running version keeps running.
import { TurtleError, ExitCode, errorMessage } from '../lib/errors.js';
import type { Step } from '../domain/steps.js';
import { inspectsImages, type ContainerRuntime, type ImageProgress } from '../runtime/types.js';
import { quietWindow } from '../governor/gate.js';

/** turtle's own images (the site proxy's): built locally, never pulled */
const TURTLE_OWN = 'turtle/';

export function imagesNeeded(steps: readonly Step[]): string[] {
  const images = new Set<string>();
  for (const step of steps) {
    if (step.kind === 'create' || step.kind === 'replace' || step.kind === 'update-resources') images.add(step.spec.image);
  }
  return [...images].sort();
}

/** The image IDs turtle.lock pins the steps' images to, by reference. */
export function pinsNeeded(steps: readonly Step[]): Map<string, string> {
  const pins = new Map<string, string>();
  for (const step of steps) if ((step.kind === 'create' || step.kind === 'replace') && step.spec.imageId) pins.set(step.spec.image, step.spec.imageId);
  return pins;
}

/** The error for a tag that now names other content than turtle.lock says; the same from a deploy's check and from the site. */
export function pinMismatch(site: string, image: string, found: string | undefined, pinned: string): TurtleError {
  return new TurtleError(found === undefined ? `${site} does not have ${image}, which turtle.lock pins to ${pinned.slice(0, 19)}…` : `${site}: ${image} is ${found.slice(0, 19)}… there, turtle.lock says ${pinned.slice(0, 19)}…`, {
    exitCode: ExitCode.invalid,
    hint: found === undefined
      ? `bring that image to ${site} (pull or load it), or after checking the new one: turtle lock --update --site ${site}`
      : `the tag was moved to other content on ${site}: find out why; if the new image is right, turtle lock --update --site ${site}`,
  });
}

export async function ensureImages(
  runtime: ContainerRuntime,
  site: string,
  images: readonly string[],
  onProgress?: (p: ImageProgress) => void,
  pins: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  for (const image of images) {
    const pinned = pins.get(image);
    if (pinned !== undefined && inspectsImages(runtime)) {
      // a pinned image is never pulled by tag: the tag may name other content by now
      const facts = await runtime.imageFacts(image);
      if (facts?.id !== pinned) throw pinMismatch(site, image, facts?.id, pinned);
      continue;
    }
    if (await runtime.imageExists(image)) continue;
    if (image.startsWith(TURTLE_OWN)) {
      // anyone can publish an image under this name on a registry, and the proxy runs on the host's network
      throw new TurtleError(`${image} is not on site ${site}: it is turtle's own image, built on this machine and imported, never pulled`, {
        exitCode: ExitCode.failed,
        hint: `bash scripts/proxy-image.sh ${runtime.endpoint} imports it; nothing was changed on ${site}`,
      });
    }
    await quietWindow(); // a pull is heavy work: it waits while the site's governor holds turtle back
    try {
      await runtime.pullImage(image, onProgress);
    } catch (err) {
      throw new TurtleError(`image ${image} is not on site ${site} and could not be pulled: ${errorMessage(err)}`, {
        exitCode: ExitCode.failed,
        hint: `load it on ${site} (\`docker load\`, \`podman load\` or \`turtle\`'s image import) or fix the tag in the spec; nothing was changed on ${site}`,
        cause: err,
      });
    }
  }
}
