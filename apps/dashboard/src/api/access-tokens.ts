// API tokens for an api started with INFERLAB_READ_TOKENS / INFERLAB_API_TOKENS (docs/contracts.md
// "HTTP"). The read token is kept in localStorage (it survives a restart: reading is what the
// dashboard does all day); the write token only for this tab, in sessionStorage.

export const READ_TOKEN_KEY = 'inferlab-read-token';
export const WRITE_TOKEN_KEY = 'inferlab-write-token';

export type AccessTokens = { read: string; write: string };
type Listener = (tokens: AccessTokens) => void;
const listeners = new Set<Listener>();

const get = (storage: Storage, key: string): string => {
  try {
    return storage.getItem(key) ?? '';
  } catch {
    return ''; // storage disabled (a privacy mode): tokens then last until the page reloads
  }
};
const put = (storage: Storage, key: string, value: string): void => {
  try {
    if (value) storage.setItem(key, value);
    else storage.removeItem(key);
  } catch {
    // as above
  }
};

export function accessTokens(): AccessTokens {
  return { read: get(localStorage, READ_TOKEN_KEY), write: get(sessionStorage, WRITE_TOKEN_KEY) };
}

/** Stores the given tokens (empty forgets one) and tells the live stream to reconnect with them. */
export function setAccessTokens(change: Partial<AccessTokens>): void {
  if (change.read !== undefined) put(localStorage, READ_TOKEN_KEY, change.read.trim());
  if (change.write !== undefined) put(sessionStorage, WRITE_TOKEN_KEY, change.write.trim());
  const now = accessTokens();
  for (const l of listeners) l(now);
}

export function onAccessTokens(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The token a GET sends as `Authorization: Bearer`: the read token, else the write token (the api
 * lets a write token read). A header never lands in a log or the history, so both may go there.
 */
export function readHeaderToken(t: AccessTokens = accessTokens()): string {
  return t.read || t.write;
}

/**
 * A read the browser makes itself (a link opened in a new tab, which sends no header): the read
 * token as `?access_token=`, as for the live stream. Never the write token.
 */
export function readUrl(path: string, t: AccessTokens = accessTokens()): string {
  return t.read ? `${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(t.read)}` : path;
}

/**
 * The `access_token` query parameter of the EventSource URL (it cannot send headers): the read
 * token only. A write token never goes into a URL, where proxies and logs keep it.
 */
export function eventsUrl(t: AccessTokens = accessTokens()): string {
  return readUrl('/v1/events', t);
}
