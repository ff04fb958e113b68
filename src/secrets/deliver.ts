// A site's side of secrets: each container's sealed values opened with the site's key, written to tmpfs
// (<root>/<site>/<project>/<service>/<container>/, 0700 folders, each file with its own owner and mode) and
// bind-mounted read-only at their targets. Values never reach the engine's config except the env ones the
// spec asks for. Folders of containers that are gone are removed.
import { chown, mkdir, readdir, rm, stat, statfs, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TurtleError, ExitCode, errorMessage } from '../lib/errors.js';
import { runCommand } from '../lib/exec.js';
import type { ContainerSpec, Mount, SecretUse } from '../domain/types.js';
import { unseal } from './age.js';

/** Where a site's secrets are written unless told otherwise (/run is a tmpfs on routers and most hosts). */
export const DEFAULT_SECRETS_DIR = '/run/turtle/secrets';

const TMPFS = 0x01021994;
const RAMFS = 0x858458f6;

export interface SecretDeliveryOptions {
  /** where the site's secret files live; must be (or become) a tmpfs */
  root: string;
  site: string;
  /** the site's age identity (AGE-SECRET-KEY-1…) */
  identity: () => Promise<string>;
}

export class SecretDelivery {
  private ready: Promise<void> | undefined;
  /** containers whose files are written and that the engine may not list yet: a sweep leaves them */
  private readonly making = new Set<string>();

  constructor(private readonly opts: SecretDeliveryOptions) {}

  /** The spec the engine gets: secrets as read-only binds of their files (and env where asked), no sealed values. */
  async prepare(spec: ContainerSpec): Promise<ContainerSpec> {
    const uses = spec.secrets ?? [];
    if (uses.length === 0) return spec;
    const values = await this.open(spec, uses);
    const dir = this.dirOf(spec);
    this.making.add(spec.name);
    await this.rootReady();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const mounts: Mount[] = [];
    const env: Record<string, string> = {};
    for (const [i, use] of uses.entries()) {
      if (use.kind === 'env') {
        env[use.target] = values[i]!;
        continue;
      }
      const file = join(dir, String(i));
      await writeFile(file, values[i]!, { mode: 0o600 });
      await chown(file, use.uid ?? 0, use.gid ?? 0);
      await chmod(file, use.mode ?? 0o400);
      mounts.push({ type: 'bind', source: file, target: use.target, readOnly: true });
    }
    const { secrets: _secrets, ...rest } = spec;
    return { ...rest, mounts: [...spec.mounts, ...mounts], env: { ...spec.env, ...env } };
  }

  /** The engine has the container (or refused it): a sweep may judge its folder again. */
  settled(name: string): void {
    this.making.delete(name);
  }

  /** Puts back files a container needs to start (tmpfs is empty after a reboot; the container is not). */
  async ensure(spec: ContainerSpec): Promise<void> {
    const files = (spec.secrets ?? []).map((u, i) => ({ u, i })).filter(({ u }) => u.kind === 'file');
    if (files.length === 0) return;
    const dir = this.dirOf(spec);
    const present = await Promise.all(files.map(({ i }) => stat(join(dir, String(i))).then(() => true, () => false)));
    if (present.every(Boolean)) return;
    await this.prepare(spec);
    this.settled(spec.name);
  }

  /** Removes the folders of the project's containers on this site that are not in `live` (container names). */
  async sweep(project: string, live: ReadonlySet<string>): Promise<void> {
    const base = join(this.opts.root, this.opts.site, project);
    const services = await readdir(base).catch(() => [] as string[]);
    for (const service of services) {
      const names = await readdir(join(base, service)).catch(() => [] as string[]);
      for (const name of names) if (!live.has(name) && !this.making.has(name)) await rm(join(base, service, name), { recursive: true, force: true });
    }
  }

  /** Whether this site ever had files here (so a removal must look for its container's). */
  holdsFiles(): boolean {
    return existsSync(join(this.opts.root, this.opts.site));
  }

  /** The files of a container just removed. */
  async discard(project: string, service: string, name: string): Promise<void> {
    if ([project, service, name].some((part) => part.includes('/') || part.startsWith('.'))) return;
    await rm(join(this.opts.root, this.opts.site, project, service, name), { recursive: true, force: true });
  }

  private dirOf(spec: ContainerSpec): string {
    return join(this.opts.root, this.opts.site, spec.project, spec.service, spec.name);
  }

  private async open(spec: ContainerSpec, uses: readonly SecretUse[]): Promise<string[]> {
    const where = `${spec.site}/${spec.service}`;
    const identity = await this.opts.identity();
    return Promise.all(uses.map(async (use) => {
      if (use.sealed === undefined) {
        throw new TurtleError(`${where}: secret \`${use.source}\` is not set for ${spec.site}`, { exitCode: ExitCode.invalid, hint: `turtle secret set ${use.source} --site ${spec.site} (it reads the value from stdin), then deploy again` });
      }
      try {
        return await unseal(use.sealed, identity);
      } catch (err) {
        throw new TurtleError(`${where}: secret \`${use.source}\` cannot be opened on ${spec.site}: ${errorMessage(err)}`, {
          exitCode: ExitCode.invalid,
          hint: `its value in turtle.secrets/${spec.site}.yaml was sealed to another key than ${spec.site}'s: set it again (turtle secret set ${use.source} --site ${spec.site})`,
        });
      }
    }));
  }

  /** The root is a tmpfs (a value never touches a disk): made one when it is not, or refused. */
  private rootReady(): Promise<void> {
    this.ready ??= (async () => {
      const { root } = this.opts;
      await mkdir(root, { recursive: true, mode: 0o700 });
      if (await onTmpfs(root)) return;
      try {
        await runCommand('mount', ['-t', 'tmpfs', '-o', 'mode=0700,size=16m,nosuid,nodev,noexec', 'turtle-secrets', root]);
      } catch (err) {
        throw new TurtleError(`${root} is not on a tmpfs, and mounting one there failed (${errorMessage(err)}): turtle writes secrets only to memory`, {
          hint: `mount one yourself (mount -t tmpfs -o mode=0700,size=16m tmpfs ${root}), or point the agent's --secrets-dir at a tmpfs folder (/run usually is one)`,
        });
      }
      if (!(await onTmpfs(root))) throw new TurtleError(`${root} is still not on a tmpfs after mounting one`, { hint: 'check the mount table (findmnt)' });
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }
}

async function onTmpfs(path: string): Promise<boolean> {
  const fs = await statfs(path);
  return fs.type === TMPFS || fs.type === RAMFS;
}
