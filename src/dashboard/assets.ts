// The dashboard's static files, found at run time beside the code (src/, dist/ or the bundles in dist/) and
// uPlot's from node_modules: nothing is fetched from a CDN.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The one list of files the dashboard serves: URL name -> where it lives. */
function locate(): Record<string, string> {
  const own = staticDir();
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
  return {
    'index.html': join(own, 'index.html'),
    'app.js': join(own, 'app.js'),
    'style.css': join(own, 'style.css'),
    'uPlot.iife.min.js': join(uplot, 'uPlot.iife.min.js'),
    'uPlot.min.css': join(uplot, 'uPlot.min.css'),
  };
}

/** src/dashboard/static, looked for upwards from this module (dist/turtle.mjs, dist/src/dashboard/, src/dashboard/). */
function staticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    for (const candidate of [join(dir, 'static'), join(dir, 'src', 'dashboard', 'static')]) {
      if (existsSync(join(candidate, 'index.html'))) return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error('the dashboard files (src/dashboard/static) are missing from this installation');
}

let cache: Map<string, Asset> | undefined;

/** A dashboard file by name (`index.html`, `app.js`, …), or undefined for any other name. */
export function dashboardAsset(name: string): Asset | undefined {
  if (!cache) {
    cache = new Map();
    for (const [key, path] of Object.entries(locate())) {
      cache.set(key, { type: TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream', body: readFileSync(path) });
    }
  }
  return cache.get(name);
}

/**
 * Both dashboards' Content-Security-Policy: their own scripts, styles and API only, no inline code, no
 * framing, no forms; a script injected through a service name or a log line could do nothing.
 */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
