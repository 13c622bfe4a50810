import { isNetworkFailure, PermanentError } from '@inferlab/experiments';
import type { Variant } from '../quantization/variant-files.ts';
import { DEFAULT_HUB_OPTIONS, type DownloadProgress, type HubOptions } from './hub/hub-options.ts';
import { fetchHubRepo } from './hub/hub-repo.ts';

// transformers.js words a hub answer of 408, 429 or 5xx this way (utils/hub/constants.js): the hub was
// busy or down, so a later attempt may succeed; 401/403/404 (no such repo or file) will not.
const TRANSIENT_HUB_ANSWER =
  /^(Request timeout|Internal server error|Bad gateway|Service unavailable|Gateway timeout) error occurred|^Error \((408|429|5\d\d)\) occurred/;

/** A model id names no usable model. Permanent, unless its cause was the network or a busy hub (transformers.js' wording): that is retried. */
export class ModelUnavailableError extends PermanentError {
  override name = 'ModelUnavailableError';
  override readonly permanent: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const cause = options?.cause;
    this.permanent = !(isNetworkFailure(cause) || (cause instanceof Error && TRANSIENT_HUB_ANSWER.test(cause.message)));
  }
}

export type HfResolveOptions = {
  hub?: HubOptions | undefined;
  onDownload?: ((p: DownloadProgress) => void) | undefined;
};

/**
 * Makes the cache folder of `repo` at `revision` (hub/hub-repo.ts) an HF-layout folder with what
 * `variant` needs, downloading with our own client (hub/download-file.ts). Errors say what failed:
 * HubFileNotFoundError / HubAccessError / HubOfflineError are permanent, HubUnreachableError
 * (the network, after the download's own retries) is retried by the job.
 */
export async function resolveHfModel(
  repo: string,
  revision: string | null,
  cacheDir: string,
  variant: Variant,
  opts: HfResolveOptions = {},
): Promise<string> {
  return fetchHubRepo({ repo, revision, cacheDir, variant, hub: opts.hub ?? DEFAULT_HUB_OPTIONS, onProgress: opts.onDownload });
}
