// Images on a site: does one exist, pull one (when a registry is reachable), import a root filesystem tarball.
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { ExitCode, TurtleError } from '../../lib/errors.js';
import type { ImageFacts, ImageProgress } from '../types.js';
import { followProgress, request, type ProgressEvent } from './_connection.js';
import { attempt, type EngineContext } from './_context.js';
import { engineMessage, isUnreachable, statusOf, unreachableError } from './_errors.js';

export async function imageExists(ctx: EngineContext, ref: string): Promise<boolean> {
  try {
    await ctx.docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    return attempt(ctx, `look up image ${ref}`, () => Promise.reject(err));
  }
}

export async function imageFacts(ctx: EngineContext, ref: string): Promise<ImageFacts | undefined> {
  let doc: { Id?: string; RepoDigests?: string[] | null; Size?: number; Config?: { User?: string; Healthcheck?: { Test?: string[] } | null } | null };
  try {
    doc = (await ctx.docker.getImage(ref).inspect()) as typeof doc;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    return attempt(ctx, `inspect image ${ref}`, () => Promise.reject(err));
  }
  const test = doc.Config?.Healthcheck?.Test ?? [];
  return {
    ref,
    id: doc.Id?.startsWith('sha256:') ? doc.Id : `sha256:${doc.Id ?? ''}`,
    digests: [...(doc.RepoDigests ?? [])].sort(),
    user: doc.Config?.User ?? '',
    sizeBytes: doc.Size ?? 0,
    healthcheck: test.length > 0 && test[0] !== 'NONE',
  };
}

export async function pullImage(ctx: EngineContext, ref: string, onProgress?: (p: ImageProgress) => void): Promise<void> {
  try {
    const stream = await ctx.docker.pull(ref);
    await followProgress(stream, (e) => onProgress?.(progressOf(ref, e)));
  } catch (err) {
    if (isUnreachable(err)) throw unreachableError(ctx.kind, ctx.endpoint, err);
    throw new TurtleError(`could not pull image ${ref} (${ctx.kind} at ${ctx.endpoint}): ${engineMessage(err)}`, {
      hint: 'check the image name and tag, and that this site can reach the registry; or import the image on the site',
      cause: err,
    });
  }
}

export async function importImage(ctx: EngineContext, tarPath: string, ref: string): Promise<void> {
  // Checked first: a missing file would otherwise surface as ENOENT, which reads like an unreachable engine.
  await access(tarPath).catch((err: unknown) => {
    throw new TurtleError(`image tarball ${tarPath} cannot be read`, { exitCode: ExitCode.invalid, cause: err });
  });
  await attempt(ctx, `import ${tarPath} as image ${ref}`, async () => {
    if (ctx.kind === 'podman') return podmanImport(ctx, tarPath, ref);
    const stream = await ctx.docker.importImage(tarPath, splitRef(ref));
    await followProgress(stream);
  });
}

/**
 * Podman's compat import drops the tag and files the image under docker.io/, where a short name does not
 * find it. libpod's import takes the full reference; unqualified names go under localhost/, as `podman
 * import` does, and short names then resolve to them.
 */
async function podmanImport(ctx: EngineContext, tarPath: string, ref: string): Promise<void> {
  const first = ref.split('/')[0] ?? '';
  const qualified = ref.includes('/') && /[.:]|^localhost$/.test(first) ? ref : `localhost/${ref}`;
  await request(ctx.docker, {
    path: '/v4.0.0/libpod/images/import?',
    method: 'POST',
    options: { reference: qualified },
    file: createReadStream(tarPath),
    statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
  });
}

/** `host:5000/a/b:tag` -> repo `host:5000/a/b`, tag `tag`; the tag defaults to `latest`. */
export function splitRef(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

function progressOf(image: string, e: ProgressEvent): ImageProgress {
  const { current, total } = e.progressDetail ?? {};
  const status = [e.id, e.status].filter(Boolean).join(': ');
  return { image, status, ...(current !== undefined && total ? { fraction: Math.min(1, current / total) } : {}) };
}
