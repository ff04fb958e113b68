// `turtle observer` as a real process for tests and benches: started, waited for until it serves, stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface ObserverOptions {
  /** the turtle.yaml it reads */
  spec: string;
  /** its SQLite store */
  state: string;
  tlsDir: string;
  /** host:port; port 0 takes a free one (`url` says which) */
  listen: string;
  /** a network namespace to run it in (nsenter --net=/var/run/netns/NAME), as on the test bed */
  netns?: string;
  env?: NodeJS.ProcessEnv;
}

const START_TIMEOUT_MS = 20_000;

export class ObserverProcess {
  /** everything it printed so far, stdout and stderr */
  output = '';
  /** its dashboard, from its "dashboard on URL" line */
  url = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Starts it and waits until it says where its dashboard is; an observer that exits first fails at once, with its output. */
  static async start(opts: ObserverOptions): Promise<ObserverProcess> {
    const args = [resolve('bin/turtle.js'), '-f', opts.spec, '--state', opts.state, 'observer', '--tls-dir', opts.tlsDir, '--listen', opts.listen];
    const [command, argv] = opts.netns ? ['nsenter', [`--net=/var/run/netns/${opts.netns}`, process.execPath, ...args]] : [process.execPath, args];
    const observer = new ObserverProcess(spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env }));
    const where = opts.netns ? ` in ${opts.netns}` : '';
    try {
      observer.url = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`the observer${where} did not serve within ${START_TIMEOUT_MS / 1000} s; its output:\n${observer.output}`)), START_TIMEOUT_MS);
        const look = () => {
          const url = /dashboard on (https:\/\/\S+)/.exec(observer.output)?.[1];
          if (url === undefined) return;
          clearTimeout(timer);
          ok(url);
        };
        observer.child.stdout?.on('data', look);
        observer.child.stderr?.on('data', look);
        observer.child.once('exit', (code, signal) => {
          clearTimeout(timer);
          fail(new Error(`the observer${where} exited (${code ?? signal}) before serving:\n${observer.output}`));
        });
      });
      return observer;
    } catch (err) {
      observer.child.kill('SIGKILL');
      throw err;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** SIGTERM, and waits for it to exit; nothing to do when it already did. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
