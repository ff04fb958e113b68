// Image names as an operator compares them: Podman's `localhost/` and Docker Hub's prefixes dropped.
export function normaliseImage(image: string): string {
  return image.replace(/^(localhost|docker\.io\/library|docker\.io)\//, '');
}
