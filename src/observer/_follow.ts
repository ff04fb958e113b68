// Follows the logs of the services a site wants (one NDJSON stream for all of them from the agent), batching
// the lines into the store; a stream that ends (container replaced, site gone) is opened again at the next sync.
import type { ObserverStore } from './store.js';
import type { StoredLogLine } from './_logs.js';
import type { AgentReader } from './reader.js';

export class LogFollowers {
  /** the one follow of the site's services, and which services it covers */
  private current: { key: string; ctl: AbortController } | undefined;
  private pending: Omit<StoredLogLine, 'id'>[] = [];

  constructor(
    private readonly site: string,
    private readonly reader: AgentReader,
    private readonly store: ObserverStore,
    private readonly onLines: (lines: StoredLogLine[]) => void,
  ) {}

  /**
   * One follow of every service in `services` (the agent caps the streams a reader holds: one per site,
   * not one per service); a different set ends it and opens another.
   */
  sync(services: ReadonlySet<string>, signal: AbortSignal): void {
    const key = [...services].sort().join(',');
    if (this.current?.key === key || signal.aborted) return;
    this.current?.ctl.abort();
    this.current = undefined;
    if (key === '') return;
    const ctl = new AbortController();
    this.current = { key, ctl };
    void this.follow(key, ctl, AbortSignal.any([ctl.signal, signal]));
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
    this.current?.ctl.abort();
    this.current = undefined;
    this.flush();
  }

  private async follow(key: string, ctl: AbortController, signal: AbortSignal): Promise<void> {
    try {
      for await (const line of this.reader.lines(`/v1/logs?services=${encodeURIComponent(key)}&tail=50&follow=1`, signal)) {
        const l = JSON.parse(line) as { service: string; replica: number; time: string; stream: string; text: string };
        this.pending.push({ site: this.site, service: l.service, replica: l.replica, time: l.time, stream: l.stream, text: l.text });
      }
    } catch {
      // the site went away: opened again at the next sync
    } finally {
      // ended (a container replaced, the site gone): the next sync opens it again
      if (this.current?.ctl === ctl) this.current = undefined;
    }
  }
}
