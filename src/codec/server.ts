/**
 * A codec server: lets the Temporal Web UI (and `temporal --codec-endpoint`)
 * show decrypted payloads to the people allowed to see them. It speaks
 * Temporal's protocol: POST /decode and /encode with
 * `{ "payloads": [{ "metadata": { key: base64 }, "data": base64 }] }`.
 *
 * Access: with SLUICE_CODEC_SERVER_TOKEN set, a request must carry
 * `Authorization: Bearer <token>` (one shared token: it proves the caller
 * knows it, not who the caller is); without it, only clients on this host are
 * served, and a request that came through a proxy (Forwarded, X-Forwarded-For,
 * Via) is not, since the proxy makes every client look local.
 * Every request must name this server in `Host` (loopback names, or the names
 * configured): a DNS-rebinding page on this machine names its own host. A
 * browser request must come from a configured UI origin; CORS answers those only.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'via'];

export interface CodecServerOptions {
  token?: string;
  /** Web UI origins a browser may call from. */
  origins: string[];
  /** Names this server is reached by besides the loopback ones (behind a proxy: its public name). */
  hosts?: string[];
}

/** The Host header without its port, lower-cased; an IPv6 address in brackets (`[::1]`), as Host carries it. */
function hostName(header: string | undefined): string {
  const host = (header ?? '').toLowerCase();
  if (net.isIP(host) === 6) return `[${host}]`;
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

function authorized(request: http.IncomingMessage, token: string | undefined): boolean {
  if (!token) return LOOPBACK.has(request.socket.remoteAddress ?? '') && !PROXY_HEADERS.some((header) => header in request.headers);
  const offered = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const [a, b] = [Buffer.from(offered), Buffer.from(token)];
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function createCodecServer(codec: PayloadCodec, options: CodecServerOptions): http.Server {
  const hosts = new Set([...LOOPBACK_NAMES, ...(options.hosts ?? []).map((host) => hostName(host))]);
  return http.createServer((request, response) => {
    const origin = request.headers.origin;
    if (!hosts.has(hostName(request.headers.host)))
      return response.writeHead(421, { 'Content-Type': 'text/plain' }).end('this server is not reached by that name (--allowed-host)\n');
    if (origin !== undefined && !options.origins.includes(origin))
      return response.writeHead(403, { 'Content-Type': 'text/plain' }).end('origin not allowed (--origin)\n');
    if (origin !== undefined) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Credentials', 'true');
      response.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS') return response.writeHead(204).end();
    const action = request.url === '/decode' ? 'decode' : request.url === '/encode' ? 'encode' : undefined;
    if (request.method !== 'POST' || !action) return response.writeHead(404).end();
    if (!authorized(request, options.token)) return response.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized\n');
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 4 * 1024 * 1024) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: JsonPayload[] };
          const payloads = (body.payloads ?? []).map(fromJson);
          const result = action === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
          response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: result.map(toJson) }));
        } catch (error) {
          response.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`);
        }
      })();
    });
  });
}
