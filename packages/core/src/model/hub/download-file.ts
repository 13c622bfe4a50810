import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isNetworkFailure, RetryableError } from '@inferlab/experiments';
import { HubAccessError, HubFileNotFoundError, HubUnreachableError } from './hub-errors.ts';
import type { DownloadProgress, HubOptions } from './hub-options.ts';

// One file from the hub (or a mirror), the way huggingface_hub does it: the endpoint answers the
// file, or a redirect to its CDN with X-Linked-Etag (the LFS object's sha256) and X-Linked-Size.
// Redirects are followed by hand so the token goes to the endpoint's origin only. The body streams
// into a temp file beside the target, is checked (length, sha256 when the ETag is one) and renamed
// into place, so a half-written file never has the real name. A dropped connection, a refused one
// or a busy answer is retried here with backoff; what is left after the last attempt is retryable.

const MAX_REDIRECTS = 10;
const PROGRESS_EVERY_MS = 200;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export type DownloadedFile = { bytes: number; sha256: string; etag: string | null; commit: string | null };

export type DownloadRequest = {
  repo: string;
  /** Path inside the repo, e.g. `onnx/model.onnx`. */
  file: string;
  url: string;
  dest: string;
  hub: HubOptions;
  onProgress?: ((p: DownloadProgress) => void) | undefined;
};

/** A corrupt or short transfer: worth another attempt. */
class TransferError extends RetryableError {
  override name = 'TransferError';
}

const unquote = (etag: string | null) => (etag === null ? null : etag.replace(/^W\//, '').replace(/^"|"$/g, ''));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function downloadFile(req: DownloadRequest): Promise<DownloadedFile> {
  const attempts = Math.max(1, req.hub.attempts ?? 4);
  const backoffMs = req.hub.backoffMs ?? 500;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await downloadOnce(req);
    } catch (err) {
      if (!(err instanceof TransferError || isNetworkFailure(err) || isStreamAbort(err))) throw err;
      last = err;
      if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
    }
  }
  throw new HubUnreachableError(
    `hf:${req.repo}: ${req.file} could not be downloaded from ${req.url} after ${attempts} attempts (${(last as Error).message}); ` +
      'without network access point HF_ENDPOINT at a mirror, or copy the model folder to this machine and name it dir:<path> ' +
      '(HF_HUB_OFFLINE=1 uses only what is cached)',
    { cause: last },
  );
}

// undici words a body cut off mid-stream `TypeError: terminated` (its cause carries the socket code).
const isStreamAbort = (err: unknown) => err instanceof TypeError && err.message === 'terminated';

async function downloadOnce(req: DownloadRequest): Promise<DownloadedFile> {
  const origin = new URL(req.hub.endpoint).origin;
  let url = req.url;
  let linkedEtag: string | null = null;
  let linkedSize: number | null = null;
  let commit: string | null = null;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'inferlab' };
    if (req.hub.token && new URL(url).origin === origin) headers.authorization = `Bearer ${req.hub.token}`;
    const res = await fetch(url, { headers, redirect: 'manual' });
    // The hub states the LFS object's hash and size on the answer that redirects to the CDN.
    linkedEtag ??= unquote(res.headers.get('x-linked-etag'));
    linkedSize ??= numberOrNull(res.headers.get('x-linked-size'));
    commit ??= res.headers.get('x-repo-commit');
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location !== null) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new HubFileNotFoundError(`hf:${req.repo} has no file ${req.file} (404 from ${req.url})`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new HubAccessError(
        `hf:${req.repo}: ${req.file} was refused (${res.status}): a gated or private repo needs HF_TOKEN with access to it`,
      );
    }
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      // 408, 429 and 5xx: busy or down, so retried; any other answer too, since a mirror may say odd things briefly.
      throw new TransferError(`${res.status} ${res.statusText} from ${url}`);
    }
    const etag = linkedEtag ?? unquote(res.headers.get('etag'));
    const total = linkedSize ?? numberOrNull(res.headers.get('content-length'));
    const written = await streamToFile(req, res.body, total, etag);
    return { ...written, etag, commit };
  }
  throw new HubUnreachableError(`hf:${req.repo}: ${req.file}: more than ${MAX_REDIRECTS} redirects from ${req.url}`);
}

async function streamToFile(
  req: DownloadRequest,
  body: ReadableStream<Uint8Array>,
  total: number | null,
  etag: string | null,
): Promise<{ bytes: number; sha256: string }> {
  const tmp = `${req.dest}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  const hash = createHash('sha256');
  let loaded = 0;
  let reportedAt = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!force && now - reportedAt < PROGRESS_EVERY_MS) return;
    reportedAt = now;
    req.onProgress?.({ repo: req.repo, file: req.file, loaded, total });
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      loaded += chunk.length;
      hash.update(chunk);
      report(false);
      done(null, chunk);
    },
  });
  mkdirSync(dirname(req.dest), { recursive: true });
  try {
    report(true);
    await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), counter, createWriteStream(tmp));
    report(true);
    const sha256 = hash.digest('hex');
    // Checked before the rename: a short or corrupt body never gets the file's name.
    if (total !== null && loaded !== total) throw new TransferError(`${req.file}: got ${loaded} of ${total} bytes`);
    if (etag !== null && SHA256_HEX.test(etag) && etag !== sha256) {
      throw new TransferError(`${req.file}: sha256 ${sha256} differs from the ETag ${etag}`);
    }
    renameSync(tmp, req.dest);
    return { bytes: loaded, sha256 };
  } finally {
    rmSync(tmp, { force: true });
  }
}

function numberOrNull(text: string | null): number | null {
  const n = text === null ? Number.NaN : Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}
