// Images are checked (and pulled when missing) before any container is touched, so a missing image
// fails the deploy while the running version keeps running.
import { TurtleError, ExitCode, errorMessage } from '../lib/errors.js';
import type { Step } from '../domain/steps.js';
import type { ContainerRuntime, ImageProgress } from '../runtime/types.js';
import { quietWindow } from '../governor/gate.js';

export function imagesNeeded(steps: readonly Step[]): string[] {
  const images = new Set<string>();
  for (const step of steps) {
    if (step.kind === 'create' || step.kind === 'replace' || step.kind === 'update-resources') images.add(step.spec.image);
  }
  return [...images].sort();
}

export async function ensureImages(
  runtime: ContainerRuntime,
  site: string,
  images: readonly string[],
  onProgress?: (p: ImageProgress) => void,
): Promise<void> {
  for (const image of images) {
    if (await runtime.imageExists(image)) continue;
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
