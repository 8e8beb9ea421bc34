import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/shared/duration';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['0s', 0],
  ])('%s is %d ms and formats back', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(['', '5', '5 m', '-1s', '1.5s', '5d', 's'])('rejects %j with the accepted forms', (text) => {
    expect(() => parseDuration(text)).toThrow(/write it like "500ms", "30s", "5m", "1h" or "1m30s"/);
  });
});
