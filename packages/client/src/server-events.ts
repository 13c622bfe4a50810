import { apiErrorOf, networkError } from './api-error.ts';
import type { ClientOptions } from './create-client.ts';

/** One event of `GET /v1/events`: its `event:` name and its `data:` lines joined. */
export type ServerEvent = { event: string; data: string };

/**
 * `GET /v1/events` as `text/event-stream` parsed into events (comments and `retry:` lines skipped),
 * with the read token as a header; ends when the stream does. For node, where there is no
 * EventSource (the dashboard uses EventSource, which reconnects by itself).
 */
export async function* serverEvents(options: ClientOptions, signal: AbortSignal): AsyncGenerator<ServerEvent> {
  const token = options.readToken?.();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(`${options.baseUrl}/v1/events`, { headers, signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    throw networkError(options.baseUrl, err, options.unreachableHint ?? '');
  }
  if (!res.ok || res.body === null) throw apiErrorOf(res, await res.json().catch(() => null));
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}
