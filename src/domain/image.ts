// Image names as an operator compares them: Podman's `localhost/` and Docker Hub's prefixes dropped.
export function normaliseImage(image: string): string {
  return image.replace(/^(localhost|docker\.io\/library|docker\.io)\//, '');
}

/** An image reference as engines take it: `[registry[:port]/]name[:tag][@sha256:…]`, no spaces or commas. */
export const IMAGE_REF = /^[a-zA-Z0-9][a-zA-Z0-9._/:@-]{0,254}$/;

/** An image ID as engines give it: the digest of the image's configuration. */
export const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** The tag and the digest a reference names (the tag is `latest` when it names neither, as engines read it). */
export function imageParts(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  return { name: hasTag ? named.slice(0, colon) : named, ...(hasTag ? { tag: named.slice(colon + 1) } : {}), ...(digest ? { digest } : {}) };
}
