import { describe, expect, it } from 'vitest';
import { decodeRoutes, encodeRoutes, sameTable } from '../../../../../src/activities/adapters/nginx/routes-text';

describe('routing table text', () => {
  const table = {
    preview: 'v2-abc',
    weights: { 'v1-x': 90, 'v2-abc': 10 },
    peers: [
      { release: 'v1-x', slot: 0, address: '127.0.0.1:32768' },
      { release: 'v2-abc', slot: 3, address: '127.0.0.1:32770' },
    ],
  };

  it('round-trips, one fact per line', () => {
    const text = encodeRoutes(table);
    expect(text).toBe('preview v2-abc\nweight v1-x 90\nweight v2-abc 10\npeer v1-x 0 127.0.0.1:32768\npeer v2-abc 3 127.0.0.1:32770\n');
    expect(decodeRoutes(text)).toEqual(table);
  });

  it('compares tables regardless of peer order', () => {
    expect(sameTable(table, { ...table, peers: [...table.peers].reverse() })).toBe(true);
    expect(sameTable(table, { ...table, weights: { 'v1-x': 80, 'v2-abc': 20 } })).toBe(false);
  });

  it.each([
    [{ peers: [], weights: { 'bad release': 1 } }],
    [{ peers: [], weights: { v1: -1 } }],
    [{ peers: [{ release: 'v1', slot: 0, address: 'example.com:80' }], weights: {} }],
    [{ peers: [], weights: {}, preview: 'v1\nweight v2 100' }],
  ])('refuses what nginx would refuse: %j', (bad) => {
    expect(() => encodeRoutes(bad)).toThrow(/cannot be sent to nginx/);
  });

  it('rejects an unexpected line from nginx', () => {
    expect(() => decodeRoutes('weight v1 10\nsurprise\n')).toThrow(/unexpected line/);
  });
});
