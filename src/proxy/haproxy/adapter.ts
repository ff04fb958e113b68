// SiteProxy over HAProxy's runtime API: each method sends the commands of commands.ts and checks the answers.
import { setTimeout as sleep } from 'node:timers/promises';
import { TurtleError } from '../../lib/errors.js';
import type { ProxyServer, ServerAddress, SiteProxy } from '../types.js';
import { commands, SUCCESS } from './commands.js';
import { send } from './_socket.js';
import { parseServerStats } from './_stat.js';

type Command = keyof typeof commands;

export class HaproxySiteProxy implements SiteProxy {
  constructor(readonly socketPath: string) {}

  get where(): string {
    return `haproxy at ${this.socketPath}`;
  }

  async servers(): Promise<ProxyServer[]> {
    return parseServerStats(await this.run('serverStats'));
  }

  async add(backend: string, server: ServerAddress): Promise<void> {
    await this.run('addServer', backend, server);
    await this.run('enableHealth', backend, server.name);
    await this.run('enableServer', backend, server.name);
  }

  async drain(backend: string, name: string): Promise<void> {
    await this.run('drain', backend, name);
  }

  async remove(backend: string, name: string): Promise<void> {
    if (!(await this.servers()).some((s) => s.backend === backend && s.name === name)) return;
    await this.run('maint', backend, name);
    await this.run('shutdownSessions', backend, name);
    // HAProxy refuses to delete a server while closed connections are still being released
    for (let attempt = 1; ; attempt++) {
      try {
        await this.run('delServer', backend, name);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        await sleep(100);
      }
    }
  }

  private async run<C extends Command>(command: C, ...args: Parameters<(typeof commands)[C]>): Promise<string> {
    const line = (commands[command] as (...a: unknown[]) => string)(...args);
    const answer = await send(this.socketPath, line);
    if (!SUCCESS[command].test(answer)) {
      throw new TurtleError(`the site proxy refused \`${line}\`: ${answer.trim() || '(no answer)'}`, {
        hint: `its state: echo "show servers state" | socat stdio ${this.socketPath}`,
      });
    }
    return answer;
  }
}
