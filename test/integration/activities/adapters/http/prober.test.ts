import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProber } from '../../../../../src/activities/adapters/http/prober';

/** A replica stand-in on loopback: /moved redirects to /target, which counts its visitors. */
let server: http.Server;
let base: string;
let targetHits = 0;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/moved') {
      response.writeHead(302, { location: '/target' });
      response.end();
      return;
    }
    if (request.url === '/endless') {
      // A body without end: the probe must answer from the status, not read until its timeout.
      response.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const feed = () => (response.write(chunk) ? setImmediate(feed) : response.once('drain', feed));
      response.on('close', () => response.removeAllListeners('drain'));
      feed();
      return;
    }
    if (request.url === '/target') targetHits++;
    response.writeHead(200);
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('HttpProber', () => {
  const signal = new AbortController().signal;

  it('does not follow redirects: the 3xx is the answer, so expectStatus 302 can match and a probe never leaves for the Location', async () => {
    const prober = new HttpProber();
    expect(await prober.probe(`${base}/moved`, 302, 1000, signal)).toMatchObject({ ok: true, status: 302 });
    expect(await prober.probe(`${base}/moved`, 200, 1000, signal)).toMatchObject({
      ok: false,
      status: 302,
      error: 'status 302, expected 200',
    });
    expect(targetHits).toBe(0);
  });

  it('reads at most a bounded part of the body: an endless body still gives a verdict from the status', async () => {
    expect(await new HttpProber().probe(`${base}/endless`, 200, 2000, signal)).toMatchObject({ ok: true, status: 200 });
  });

  it('reports a replica that does not answer as a failed probe, not an error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await new HttpProber().probe(`http://127.0.0.1:${port}/ready`, 200, 1000, signal);
    expect(result).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
  });
});
