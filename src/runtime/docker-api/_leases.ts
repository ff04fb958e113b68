// Lease containers: how an engine-driven site holds one deployment at a time. A container name is unique
// per engine and creating one is atomic (the second create of a name gets 409), so a created, never-started
// container named for the site is the lock; its labels say who holds it, and its creation time (the
// engine's own clock) plus the lease's TTL says until when. The holder renews by making a fresh lease
// container beside it, removing the old one and renaming the fresh one to the lock's name.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { Label } from '../../domain/types.js';
import type { LeaseRecord } from '../types.js';
import { requestStream } from './_connection.js';
import { attempt, type EngineContext } from './_context.js';
import { engineMessage, statusOf } from './_errors.js';
import { imageExists, importImage } from './_images.js';

/** A container needs an image even if it never starts: this one holds a single text file. */
export const LEASE_IMAGE = 'turtle/lease:1';

export async function listLeases(ctx: EngineContext, key: string): Promise<{ nowMs: number; leases: LeaseRecord[] }> {
  return attempt(ctx, `list the deployment leases of ${key}`, async () => {
    const [nowMs, found] = await Promise.all([
      engineNow(ctx.docker),
      ctx.docker.listContainers({ all: true, filters: { label: [`${Label.lease}=${key}`] } }),
    ]);
    const leases = found.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), labels: c.Labels ?? {}, createdMs: c.Created * 1000 }));
    return { nowMs, leases };
  });
}

/** The lease container's id, or undefined when a container of that name exists already (someone holds it). */
export async function createLease(ctx: EngineContext, name: string, labels: Record<string, string>): Promise<string | undefined> {
  await ensureLeaseImage(ctx);
  try {
    const body = { name, Image: LEASE_IMAGE, Cmd: ['lease'], Labels: labels, HostConfig: { NetworkMode: 'none' } };
    const container = await ctx.docker.createContainer(body as Dockerode.ContainerCreateOptions);
    return container.id;
  } catch (err) {
    if (statusOf(err) === 409 || /already in use/i.test(engineMessage(err))) return undefined;
    return attempt(ctx, `create the deployment lease ${name}`, () => Promise.reject(err));
  }
}

/** false when the name is taken (the lease was lost meanwhile). */
export async function renameLease(ctx: EngineContext, id: string, name: string): Promise<boolean> {
  try {
    await ctx.docker.getContainer(id).rename({ name });
    return true;
  } catch (err) {
    if (statusOf(err) === 409 || /already in use/i.test(engineMessage(err))) return false;
    return attempt(ctx, `rename the deployment lease ${id}`, () => Promise.reject(err));
  }
}

export async function removeLease(ctx: EngineContext, id: string): Promise<void> {
  try {
    await ctx.docker.getContainer(id).remove({ force: true });
  } catch (err) {
    if (statusOf(err) === 404) return;
    await attempt(ctx, `remove the deployment lease ${id}`, () => Promise.reject(err));
  }
}

/** The engine's clock, from the Date header of a ping: leases expire by it, never by a laptop's clock. */
async function engineNow(docker: Dockerode): Promise<number> {
  const res = await requestStream(docker, { path: '/_ping', method: 'GET', statusCodes: { 200: true } });
  res.resume();
  const said = Date.parse(String(res.headers.date ?? ''));
  return Number.isFinite(said) ? said : Date.now();
}

async function ensureLeaseImage(ctx: EngineContext): Promise<void> {
  if (await imageExists(ctx, LEASE_IMAGE)) return;
  const dir = await mkdtemp(join(tmpdir(), 'turtle-lease-'));
  try {
    await writeFile(join(dir, 'LEASE'), 'A turtle deployment lease: a container that is never started.\n');
    await promisify(execFile)('tar', ['-C', dir, '-cf', join(dir, 'lease.tar'), 'LEASE']);
    await importImage(ctx, join(dir, 'lease.tar'), LEASE_IMAGE);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
