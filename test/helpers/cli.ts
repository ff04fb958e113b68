// Runs the real `turtle` command (bin/turtle.js over the compiled dist/) in a scratch folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve('bin/turtle.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Workdir {
  readonly dir = mkdtempSync(join(tmpdir(), 'turtle-cli-'));

  get spec(): string {
    return join(this.dir, 'turtle.yaml');
  }

  write(yaml: string): void {
    writeFileSync(this.spec, yaml);
  }

  /** `turtle -f <dir>/turtle.yaml ARGS`, with the store inside the scratch folder; `bare`: `turtle ARGS` run in the folder; `input`: its stdin. */
  run(args: string[], env: Record<string, string> = {}, bare = false, input?: string): Promise<CliResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [BIN, ...(bare ? [] : ['-f', this.spec]), ...args], {
        ...(bare ? { cwd: this.dir } : {}),
        env: { ...process.env, TURTLE_STATE: join(this.dir, 'state.db'), ...env },
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      if (input !== undefined) child.stdin?.end(input);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    });
  }

  /**
   * `turtle -f <dir>/turtle.yaml ARGS` left running (logs -f, top, agent), to read while it runs and then
   * interrupt. With `tty`, it runs on a pseudo-terminal (util-linux `script`), as on an operator's terminal,
   * and `interrupt()` types Ctrl-C there; the output then has the terminal's \r\n line ends.
   */
  start(args: string[], opts: { env?: Record<string, string>; tty?: boolean } = {}): Running {
    const env = { ...process.env, TURTLE_STATE: join(this.dir, 'state.db'), ...opts.env };
    const argv = [process.execPath, BIN, '-f', this.spec, ...args];
    const child = opts.tty
      ? // `exec`: script runs the command with $SHELL -c (sh when unset, as under CI), and a shell left waiting
        // gets the terminal's SIGINT too and dies of it (exit 130) even when turtle itself exits 0
        spawn('script', ['-qfec', `exec ${argv.map(shellQuote).join(' ')}`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Running(child, opts.tty === true);
  }

  async json<T>(args: string[]): Promise<T> {
    const r = await this.run([...args, '--json']);
    if (r.code !== 0 && r.stdout === '') throw new Error(`turtle ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A turtle command still running: what it printed so far, a wait for some output, and its end. */
export class Running {
  stdout = '';
  stderr = '';
  /** its exit code (the command's own under a terminal: `script -e`), or -1 when a signal ended it */
  readonly exited: Promise<number>;

  constructor(private readonly child: ChildProcess, private readonly tty: boolean) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once `done(stdout)` holds; fails if the command ends first or `ms` pass (saying what it printed). */
  async until(done: (stdout: string) => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!done(this.stdout)) {
      if (!this.running) throw new Error(`the command ended first:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > end) throw new Error(`not seen within ${ms} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ctrl-C: typed on its terminal, else SIGINT. Resolves with the exit code. */
  interrupt(): Promise<number> {
    if (this.tty) this.child.stdin?.write('\x03');
    else this.child.kill('SIGINT');
    return this.exited;
  }

  /** For cleanup in `finally`: ends it at once if it still runs. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
