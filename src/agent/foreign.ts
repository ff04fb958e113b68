// Incident response: containers on the site's engine that turtle did not start. Each one is reported once
// (`foreign.container`, which the observer alerts on), and `GET /v1/observed` lists those there now. Checked
// after every reconcile (at least every resync): one listing of the engine, no inspect.
import { listsForeign, type ContainerRuntime, type ForeignContainer } from '../runtime/types.js';
import type { Store } from '../store/index.js';

/** how many past reports are read back on start, so a restart does not report the same containers again */
const REMEMBERED = 500;

export class ForeignWatch {
  private known: Set<string> | undefined;
  private current: ForeignContainer[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly opts: { site: string; store: Store; runtime: () => ContainerRuntime }) {}

  /** The foreign containers at the last check. */
  now(): ForeignContainer[] {
    return this.current;
  }

  /** Lists the engine's containers and reports the new foreign ones; one check at a time, errors kept quiet (the next one retries). */
  check(): Promise<void> {
    this.running ??= this.once().catch(() => undefined).finally(() => (this.running = undefined));
    return this.running;
  }

  private async once(): Promise<void> {
    const runtime = this.opts.runtime();
    if (!listsForeign(runtime)) return;
    const { site, store } = this.opts;
    this.known ??= new Set(store.events.recent(site, 'foreign.container', REMEMBERED).map((e) => String(e.data?.id ?? '')));
    const found = await runtime.foreign();
    for (const c of found) {
      if (this.known.has(c.id)) continue;
      store.events.append({ site, type: 'foreign.container', message: `a container turtle did not start is on ${site}: ${c.name} (${c.image}, ${c.state}, created ${c.createdAt})`, data: { id: c.id, name: c.name, image: c.image, state: c.state, createdAt: c.createdAt } });
    }
    // a container's ID is never reused: those gone need not be remembered, so the set stays as small as the engine's list
    this.known = new Set(found.map((c) => c.id));
    this.current = found;
  }
}
