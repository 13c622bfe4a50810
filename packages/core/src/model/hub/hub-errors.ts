import { PermanentError, RetryableError } from '@inferlab/experiments';

/** The hub answered 404 for a file: the repo or revision lacks it (a retry cannot help). */
export class HubFileNotFoundError extends PermanentError {
  override name = 'HubFileNotFoundError';
}

/** 401/403: a gated or private repo and no (or a wrong) HF_TOKEN. */
export class HubAccessError extends PermanentError {
  override name = 'HubAccessError';
}

/** The hub could not be reached, was busy (408/429/5xx) or broke off a transfer, every attempt: the job tries again later. */
export class HubUnreachableError extends RetryableError {
  override name = 'HubUnreachableError';
}

/** HF_HUB_OFFLINE is set and the cache lacks files: only copying them in (or going online) helps. */
export class HubOfflineError extends PermanentError {
  override name = 'HubOfflineError';
}
