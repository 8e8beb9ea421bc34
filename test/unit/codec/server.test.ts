import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodecServer } from '../../../src/codec/server';

/** The codec server's doors, probed on loopback with an identity codec (what it decodes does not matter here). */
const identity = { encode: async <T>(payloads: T) => payloads, decode: async <T>(payloads: T) => payloads };
const servers: http.Server[] = [];

async function serve(options: Parameters<typeof createCodecServer>[1]): Promise<number> {
  const server = createCodecServer(identity, options);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A raw request, so Host and Origin are exactly what a browser or a proxy would send. */
function post(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/decode',
        headers: { 'content-type': 'application/json', host: `127.0.0.1:${port}`, ...headers },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode!);
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ payloads: [] }));
  });
}

let open: number;
let withToken: number;
beforeAll(async () => {
  open = await serve({ origins: ['http://localhost:8233'] });
  withToken = await serve({ token: 'the-token', origins: ['https://temporal.example.com'], hosts: ['codec.example.com'] });
});
afterAll(() => servers.forEach((server) => server.close()));

describe('the codec server without a token', () => {
  it('serves a client on this host that names it, from the Web UI or without an origin (the temporal CLI)', async () => {
    expect(await post(open, {})).toBe(200);
    expect(await post(open, { host: `localhost:${open}`, origin: 'http://localhost:8233' })).toBe(200);
  });

  it("refuses a DNS-rebinding page: its requests name the attacker's host, from the attacker's origin", async () => {
    expect(await post(open, { host: `rebind.attacker.example:${open}` })).toBe(421);
    expect(await post(open, { origin: `http://rebind.attacker.example:${open}` })).toBe(403);
  });

  it('refuses a request that came through a proxy: behind one, every client looks local', async () => {
    expect(await post(open, { 'x-forwarded-for': '203.0.113.9' })).toBe(401);
    expect(await post(open, { forwarded: 'for=203.0.113.9' })).toBe(401);
  });
});

describe('the codec server with a token', () => {
  it('serves the token under a configured name, and nothing else', async () => {
    expect(
      await post(withToken, { authorization: 'Bearer the-token', host: 'codec.example.com', origin: 'https://temporal.example.com' }),
    ).toBe(200);
    expect(await post(withToken, { authorization: 'Bearer wrong', host: 'codec.example.com' })).toBe(401);
    expect(await post(withToken, { authorization: 'Bearer the-token', host: 'other.example.com' })).toBe(421);
    expect(await post(withToken, { authorization: 'Bearer the-token', origin: 'https://evil.example.com' })).toBe(403);
  });
});
