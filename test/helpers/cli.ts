// Runs the real `turtle` command (bin/turtle.js over the compiled dist/) in a scratch folder.
import { spawn } from 'node:child_process';
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

  /** `turtle -f <dir>/turtle.yaml ARGS`, with the store inside the scratch folder. */
  run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [BIN, '-f', this.spec, ...args], {
        env: { ...process.env, TURTLE_STATE: join(this.dir, 'state.db'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    });
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
