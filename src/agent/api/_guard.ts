// Requests a browser sends on behalf of another site. An operator's certificate may sit in a browser (the
// agent serves a dashboard), so a page elsewhere could otherwise make it stop services.

/** Why the request comes from another site, or undefined: same-origin, typed by the user, or not a browser. */
export function crossSite(req: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const fetchSite = req.headers['sec-fetch-site'];
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') return `a ${fetchSite} request`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (typeof origin !== 'string') return 'a request with several Origin headers';
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `a request from Origin ${origin.slice(0, 100)}`;
  }
  return host === req.headers.host ? undefined : `a request from ${origin.slice(0, 100)}`;
}
