import type { MiddlewareHandler } from 'hono';
import { jsonError } from './json-error.ts';

/** Host names the api always answers to in open mode: the machine itself. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `host:port` or `[v6]:port` → the host part, lower-cased. */
function hostPart(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function isJson(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Open mode (no write token configured) serves whoever reaches it, so it must not serve the web
 * pages its user visits (Jupyter's defaults):
 * - a `Host` outside the allow-list is refused: a DNS-rebinding page reaches us under its own name;
 * - a state-changing request with a foreign `Origin` is refused: a cross-site form or fetch;
 * - a state-changing request with a body must say `application/json`, which browsers cannot send
 *   cross-site without a CORS preflight (this api answers none).
 * Same-origin requests (the dashboard it serves), the CLI and curl with JSON pass.
 */
export function openModeGuard(options: { publicHosts: readonly string[] }): MiddlewareHandler {
  const allowed = new Set([...LOOPBACK_HOSTS, ...options.publicHosts.map((h) => hostPart(h))]);
  return async (c, next) => {
    // In-process requests (tests' app.request) carry no Host; the URL then says localhost.
    const hostHeader = c.req.header('host') ?? new URL(c.req.url).host;
    const host = hostPart(hostHeader);
    if (!allowed.has(host)) {
      return jsonError(
        c,
        403,
        'host_not_allowed',
        `this api answers to ${[...allowed].join(', ')} only (got Host ${JSON.stringify(hostHeader.slice(0, 100))}); add the name to INFERLAB_PUBLIC_HOSTS, or set INFERLAB_API_TOKENS`,
      );
    }
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin !== undefined && !sameOrigin(origin, hostHeader)) {
      return jsonError(
        c,
        403,
        'cross_origin',
        `${c.req.method} from another site (Origin ${JSON.stringify(origin.slice(0, 100))}) is refused`,
      );
    }
    const contentType = c.req.header('content-type');
    const hasBody =
      contentType !== undefined || (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
    if (hasBody && !isJson(contentType ?? '')) {
      return jsonError(
        c,
        415,
        'unsupported_media_type',
        `${c.req.method} ${c.req.path} takes a JSON body: send "Content-Type: application/json"`,
      );
    }
    return next();
  };
}

function sameOrigin(origin: string, hostHeader: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === hostHeader.trim().toLowerCase();
  } catch {
    return false; // `null` (sandboxed frames, file:) and garbage are foreign
  }
}
