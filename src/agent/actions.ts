// Operator actions on one service of the site. A stop is remembered (the reconciler keeps it stopped) once
// the engine has stopped every container, never before: a stop that failed leaves the service as it was
// desired, for the reconciler to bring back. Start forgets it first. Actions run under the reconciler's
// lock, so they never race a reconcile or a heal.
import type { ApiContext } from './api/routes.js';

export type ServiceAction = 'start' | 'stop' | 'restart';

export async function serviceAction(ctx: ApiContext, project: string, service: string, action: ServiceAction, by: string): Promise<number> {
  const count = await ctx.monitor.expectingExits(service, () => ctx.reconciler.exclusive(async () => {
    if (action === 'start') remember(ctx, service, false);
    const runtime = ctx.runtime();
    const containers = (await runtime.list(project)).filter((c) => c.site === ctx.site && c.service === service);
    for (const c of containers) {
      if (action === 'stop') await runtime.stop(c.id, 10);
      else if (action === 'restart') await runtime.restart(c.id, 10);
      else if (c.state !== 'running') await runtime.start(c.id);
    }
    if (action === 'stop') remember(ctx, service, true);
    return containers.length;
  }));
  ctx.store.events.append({ site: ctx.site, type: `service.${action}`, service, message: `${service}: ${action} by ${by}`, data: { by } });
  if (action === 'start') void ctx.reconciler.trigger();
  return count;
}

function remember(ctx: ApiContext, service: string, stopped: boolean): void {
  ctx.store.setStopped(ctx.site, service, stopped);
  ctx.reconciler.desiredChanged();
}
