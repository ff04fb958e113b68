// Changes a container's CPU and memory limits in place, then reads them back: only a change the engine
// reports (and so keeps across restarts) counts. Otherwise recoverable=false tells the caller to replace it.
import type { Resources } from '../../domain/types.js';
import { TurtleError } from '../../lib/errors.js';
import { attempt, type EngineContext } from './_context.js';
import { resourcesOf, type InspectDoc } from './_observe.js';
import { describeResources, podmanKeepsUpdates, sameResources, updateBody } from './_update.js';

export async function updateResources(
  ctx: EngineContext,
  id: string,
  want: Resources,
  engineVersion: string,
  inspect: () => Promise<InspectDoc | undefined>,
): Promise<void> {
  const where = `${ctx.kind} ${engineVersion} at ${ctx.endpoint}`;
  if (ctx.kind === 'podman' && !podmanKeepsUpdates(engineVersion)) {
    throw new TurtleError(
      `${where} cannot change the limits of container ${id} in place: it changes the cgroup but does not keep the change (inspect and restarts keep the old limits)`,
      { recoverable: false, hint: 'replace the container with the new limits; Podman 5.1 or later can update in place' },
    );
  }
  // Podman 5.1+ answers the Docker-compatible update endpoint too.
  await attempt(ctx, `update the limits of container ${id}`, () => ctx.docker.getContainer(id).update(updateBody(ctx.kind, want)));
  const doc = await inspect();
  const got = doc ? resourcesOf(doc.HostConfig) : {};
  if (!sameResources(want, got)) {
    throw new TurtleError(
      `${where} did not apply the limits of container ${id}: asked ${describeResources(want)}, it reports ${describeResources(got)}`,
      { recoverable: false, hint: 'replace the container with the new limits (engines cannot remove a limit in place)' },
    );
  }
}
