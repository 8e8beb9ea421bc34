import { describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../../../src/stack/haproxy';

describe('the front balancer of a test fleet', () => {
  it('listens on loopback, spreads over every host, health-checks each with HTTP/1.1, and never retries a request elsewhere', () => {
    const config = renderHaproxyConfig(18000, [
      { name: 'host-1', address: '127.0.0.2', port: 8000 },
      { name: 'host-2', address: '127.0.0.3', port: 8000 },
    ]);
    const lines = config.split('\n').map((line) => line.trim());
    expect(lines).toContain('bind 127.0.0.1:18000');
    expect(lines).toContain('retries 0');
    expect(lines).toContain('http-check send meth GET uri / ver HTTP/1.1 hdr Host front-balancer');
    expect(lines.filter((line) => line.startsWith('server '))).toEqual([
      'server host-1 127.0.0.2:8000 check inter 500ms fall 2 rise 2',
      'server host-2 127.0.0.3:8000 check inter 500ms fall 2 rise 2',
    ]);
  });
});
