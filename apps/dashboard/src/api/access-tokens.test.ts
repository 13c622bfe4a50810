import { describe, expect, it } from 'vitest';
import { eventsUrl, readHeaderToken, readUrl } from './access-tokens.ts';

describe('access tokens', () => {
  it('puts only the read token in the live stream URL, never the write token', () => {
    expect(eventsUrl({ read: 'r 1&x', write: 'w-secret' })).toBe('/v1/events?access_token=r%201%26x');
    expect(eventsUrl({ read: '', write: 'w-secret' })).toBe('/v1/events');
    expect(eventsUrl({ read: '', write: '' })).toBe('/v1/events');
  });
  it('opens api links with the read token only', () => {
    expect(readUrl('/v1/experiments/e/report', { read: 'r', write: 'w' })).toBe('/v1/experiments/e/report?access_token=r');
    expect(readUrl('/v1/x?format=html', { read: 'r', write: 'w' })).toBe('/v1/x?format=html&access_token=r');
    expect(readUrl('/v1/x', { read: '', write: 'w' })).toBe('/v1/x');
  });
  it('reads with the read token as a header, else the write token (which may read)', () => {
    expect(readHeaderToken({ read: 'r', write: 'w' })).toBe('r');
    expect(readHeaderToken({ read: '', write: 'w' })).toBe('w');
    expect(readHeaderToken({ read: '', write: '' })).toBe('');
  });
});
