/** Where hub downloads come from and how; read once per process by the app (the worker's config.ts) and passed down. */
export type HubOptions = {
  /** The hub or a mirror: files are fetched from `<endpoint>/<org>/<name>/resolve/<revision>/<file>`. */
  endpoint: string;
  /** Sent as `Authorization: Bearer` to the endpoint's origin only, never to a redirect target elsewhere (the CDN). */
  token?: string | undefined;
  /** HF_HUB_OFFLINE: no request at all; the cache has the files or the model fails. */
  offline: boolean;
  /** Attempts per file before a network failure is given up (and left to the job's own retry). */
  attempts?: number;
  /** Backoff before attempt n + 1: backoffMs · 2ⁿ⁻¹. */
  backoffMs?: number;
};

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export const DEFAULT_HUB_OPTIONS: HubOptions = { endpoint: DEFAULT_HF_ENDPOINT, offline: false };

/** Bytes of one file arriving: `total` from the response (null when the server sends no length). */
export type DownloadProgress = { repo: string; file: string; loaded: number; total: number | null };
