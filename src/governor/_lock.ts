// One governor acts on a host's cgroup parent at a time (a test bed may run several agents on one host);
// the others observe. The holder is a pid file; a holder that died is taken over.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class ParentLock {
  readonly path: string;
  private held = false;

  constructor(parent: string, dir = '/run') {
    this.path = join(dir, `turtle-governor-${parent.replace(/\//g, '_')}.pid`);
  }

  /** True when this process holds the lock (taking it if free or its holder is gone). */
  acquire(): boolean {
    if (this.held) return true;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.path, String(process.pid), { flag: 'wx' });
        return (this.held = true);
      } catch {
        const holder = this.holder();
        if (holder !== undefined && alive(holder)) return false;
        try {
          unlinkSync(this.path); // a stale holder: try once more
        } catch {
          // someone else removed it first
        }
      }
    }
    return false;
  }

  holder(): number | undefined {
    try {
      const pid = Number(readFileSync(this.path, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      if (this.holder() === process.pid) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
