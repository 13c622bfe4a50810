import { createInferlabClient } from '@inferlab/client';
import { accessTokens, readHeaderToken } from './access-tokens.ts';

/**
 * The api's routes, typed by @inferlab/client, on the page's own origin. A read sends the read
 * token (else the write token, which may read), a write the write token; both are read per request,
 * so a token entered under Access applies at once. Read answers with `answer()`.
 */
export const api = createInferlabClient({ baseUrl: '', readToken: () => readHeaderToken(), writeToken: () => accessTokens().write });
