// The sealed values a spec's secrets of turtle's store have on each of its sites, read with the spec so
// plan, drift, status and deploy all see the same version (and a cached parse is redone when a file changes).
import type { Spec } from '../spec/types.js';
import { storeNames } from '../spec/_files-top.js';
import { hashKeyPath, readHashKey } from './hash-key.js';
import { readSiteSecrets, sealedDigest, siteSecretsPath, type SealedSecret } from './site-file.js';

export function attachSealed(spec: Spec): Spec {
  const hashKey = readHashKey(spec.file);
  spec.reads = [...(spec.reads ?? []), hashKeyPath(spec.file)];
  if (hashKey) spec.hashKey = hashKey;
  const names = storeNames(spec);
  if (names.length === 0) return spec;
  const sealed: Record<string, Record<string, SealedSecret>> = {};
  const reads: string[] = [];
  for (const site of Object.values(spec.sites)) {
    if (site.role !== 'edge') continue;
    const path = siteSecretsPath(spec.file, site.name);
    reads.push(path);
    const file = readSiteSecrets(path, site.name);
    const own: Record<string, SealedSecret> = {};
    for (const name of names) {
      const value = file?.secrets[name];
      if (value !== undefined) own[name] = { digest: sealedDigest(value), sealed: value };
    }
    if (Object.keys(own).length > 0) sealed[site.name] = own;
  }
  spec.reads = [...(spec.reads ?? []), ...reads];
  if (Object.keys(sealed).length > 0) spec.sealed = sealed;
  return spec;
}
