import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for the Hugging Face hub for tests, speaking its URL layout and headers:
// `GET /<org>/<name>/resolve/<revision>/<file>` answers a small file itself (ETag, X-Repo-Commit)
// and an LFS file (*.onnx) with a 302 to a CDN on another origin, stating the object's sha256
// (X-Linked-Etag) and size (X-Linked-Size) as the hub does; 404 for what the repo lacks. `dropOnce`
// names CDN objects (by file name) whose next transfer is cut off mid-body, `busyOnce` files the hub
// answers 503 once. Every request is logged
// with its Authorization header. A `/mirror` prefix is accepted too, as a mirror's base path.

/** repo (`org/name`) → revision → file → bytes. */
export type HubRepos = Record<string, Record<string, Record<string, Uint8Array>>>;

export type LoggedRequest = { server: 'hub' | 'cdn'; path: string; authorization: string | undefined };

export type HubTestServer = {
  /** The hub's base URL (HF_ENDPOINT). */
  endpoint: string;
  cdnOrigin: string;
  requests: LoggedRequest[];
  dropOnce: Set<string>;
  /** Files (repo paths, e.g. `config.json`) whose next request the hub answers 503, as a busy hub does. */
  busyOnce: Set<string>;
  close(): Promise<void>;
};

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sha1 = (b: Uint8Array | string) => createHash('sha1').update(b).digest('hex');

export async function startHubTestServer(repos: HubRepos): Promise<HubTestServer> {
  const requests: LoggedRequest[] = [];
  const dropOnce = new Set<string>();
  const busyOnce = new Set<string>();
  const blobs = new Map<string, { file: string; bytes: Uint8Array }>();
  for (const revisions of Object.values(repos)) {
    for (const files of Object.values(revisions)) {
      for (const [file, bytes] of Object.entries(files)) blobs.set(sha256(bytes), { file, bytes });
    }
  }
  const log = (server: LoggedRequest['server'], req: IncomingMessage) =>
    requests.push({ server, path: req.url ?? '', authorization: req.headers.authorization });

  const cdn = createServer((req, res) => {
    log('cdn', req);
    const blob = blobs.get((req.url ?? '').replace(/^\/cdn\//, '').replace(/\?.*$/, ''));
    if (blob === undefined) return notFound(res);
    res.writeHead(200, { 'content-length': blob.bytes.length, 'content-type': 'application/octet-stream' });
    const name = blob.file.split('/').pop() ?? '';
    if (dropOnce.delete(name)) {
      // Half the body, then the connection goes: the client sees a transfer cut off mid-way.
      res.write(blob.bytes.subarray(0, blob.bytes.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.end(blob.bytes);
  });
  const cdnOrigin = await listen(cdn);

  const hub = createServer((req, res) => {
    log('hub', req);
    const path = (req.url ?? '').replace(/^\/mirror(?=\/)/, '');
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (m === null) return notFound(res);
    const [, repo = '', rev = '', file = ''] = m;
    const revision = decodeURIComponent(rev);
    if (busyOnce.delete(file)) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      return res.end('Service unavailable');
    }
    const bytes = repos[repo]?.[revision]?.[file];
    if (bytes === undefined) return notFound(res);
    const common = { 'x-repo-commit': sha1(`${repo}@${revision}`) };
    if (file.endsWith('.onnx')) {
      const oid = sha256(bytes);
      res.writeHead(302, {
        ...common,
        location: `${cdnOrigin}/cdn/${oid}?response-content-disposition=attachment`,
        'x-linked-etag': `"${oid}"`,
        'x-linked-size': String(bytes.length),
        etag: `"${oid}"`,
      });
      return res.end();
    }
    res.writeHead(200, { ...common, etag: `"${sha1(bytes)}"`, 'content-length': bytes.length });
    res.end(bytes);
  });
  const endpoint = await listen(hub);

  return {
    endpoint,
    cdnOrigin,
    requests,
    dropOnce,
    busyOnce,
    close: async () => {
      await Promise.all([close(hub), close(cdn)]);
    },
  };
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'content-type': 'text/plain' });
  res.end('Entry not found');
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
