// Follows the logs of each service a site wants (one NDJSON stream per service from the agent), batching the
// lines into the store; a stream that ends (container replaced, site gone) is opened again at the next sync.
import type { ObserverStore } from './store.js';
import type { StoredLogLine } from './_logs.js';
import type { AgentReader } from './reader.js';

export class LogFollowers {
  private readonly followers = new Map<string, AbortController>();
  private pending: Omit<StoredLogLine, 'id'>[] = [];

  constructor(
    private readonly site: string,
    private readonly reader: AgentReader,
    private readonly store: ObserverStore,
    private readonly onLines: (lines: StoredLogLine[]) => void,
  ) {}

  /** One follower per service in `services`: new ones start, unwanted ones stop. */
  sync(services: ReadonlySet<string>, signal: AbortSignal): void {
    for (const [service, ctl] of this.followers) {
      if (services.has(service)) continue;
      ctl.abort();
      this.followers.delete(service);
    }
    for (const service of services) {
      if (this.followers.has(service) || signal.aborted) continue;
      const ctl = new AbortController();
      this.followers.set(service, ctl);
      void this.follow(service, ctl, AbortSignal.any([ctl.signal, signal]));
    }
  }

  /** Stores the lines read since the last flush (the store drops those it has: a reopened stream resends its tail). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const fresh = this.store.logs.add(batch);
    if (fresh.length) this.onLines(fresh);
  }

  stop(): void {
    for (const ctl of this.followers.values()) ctl.abort();
    this.followers.clear();
    this.flush();
  }

  private async follow(service: string, ctl: AbortController, signal: AbortSignal): Promise<void> {
    try {
      for await (const line of this.reader.lines(`/v1/services/${encodeURIComponent(service)}/logs?tail=50&follow=1`, signal)) {
        const l = JSON.parse(line) as { replica: number; time: string; stream: string; text: string };
        this.pending.push({ site: this.site, service, replica: l.replica, time: l.time, stream: l.stream, text: l.text });
      }
    } catch {
      // the container went away or the site did: opened again at the next sync
    } finally {
      if (this.followers.get(service) === ctl) this.followers.delete(service);
    }
  }
}
