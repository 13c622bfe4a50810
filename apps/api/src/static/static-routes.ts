import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { jsonError } from '../http/json-error.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// The dashboard builds every DOM node from data with textContent; the policy is a second line of
// defence: no inline or foreign scripts even if some text ever reached HTML.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the built dashboard (`apps/dashboard/dist`) at `/`: files as they are, and `index.html`
 * for any other GET outside the api (`/v1/*`, `/healthz`) so client-side routes survive a reload.
 * Hashed assets are cached for good; index.html never, so a rebuild shows at once.
 */
export function staticRoutes(distDir: string) {
  const root = resolve(distDir);
  return new Hono().get('*', async (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/v1/') || path === '/v1' || path.startsWith('/healthz')) return next();
    if (!existsSync(join(root, 'index.html'))) {
      return jsonError(
        c,
        503,
        'dashboard_not_built',
        `the dashboard is not built (no ${join(root, 'index.html')}): run \`npm run build\` at the repo root`,
      );
    }
    const file = await fileFor(root, path);
    if (file !== null) return send(c, file, path.startsWith('/assets/'));
    // A missing asset is a real 404 (a stale hash), not the app shell.
    if (path.startsWith('/assets/') || extname(path) !== '') return jsonError(c, 404, 'not_found', `no file ${path}`);
    return send(c, join(root, 'index.html'), false);
  });
}

async function fileFor(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = resolve(root, `.${decoded}`);
  // Never outside the build folder, whatever `..` or encoded separators the path holds.
  if (file !== root && !file.startsWith(root + sep)) return null;
  const info = await stat(file).catch(() => null);
  if (info === null) return null;
  if (info.isDirectory()) {
    const index = join(file, 'index.html');
    return existsSync(index) ? index : null;
  }
  return info.isFile() ? file : null;
}

async function send(c: Context, file: string, immutable: boolean): Promise<Response> {
  const body = await readFile(file);
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  c.header('content-type', type);
  c.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  c.header('x-content-type-options', 'nosniff');
  if (type.startsWith('text/html')) c.header('content-security-policy', CSP);
  return c.body(body);
}
