/**
 * A test CA with a server certificate for 127.0.0.1 and a client certificate,
 * and a mutual-TLS terminator on loopback in front of a plain TCP or Unix
 * socket service: how tests reach real services "over TLS" that do not speak it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface Certificates {
  dir: string;
  /** Files named as DOCKER_CERT_PATH expects them: ca.pem, cert.pem, key.pem (client). */
  ca: string;
  cert: string;
  key: string;
  serverCert: string;
  serverKey: string;
}

export function makeCertificates(): Certificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=sluice test CA',
  );
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=sluice client');
  // With an extension the certificate is X.509 v3, which rustls (the worker's native core) requires.
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '1',
    '-extfile',
    'client.ext',
  );
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    ca: file('ca.pem'),
    cert: file('cert.pem'),
    key: file('key.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server-key.pem'),
  };
}

/** Terminates mutual TLS on 127.0.0.1 and forwards to `target` (a port on loopback, or a Unix socket path). */
export async function mutualTlsProxy(
  certs: Certificates,
  target: { port: number } | { socketPath: string },
  alpn?: string[],
): Promise<{ port: number; close: () => void }> {
  const read = (file: string) => fs.readFileSync(file);
  const server = tls.createServer(
    {
      key: read(certs.serverKey),
      cert: read(certs.serverCert),
      ca: read(certs.ca),
      requestCert: true,
      rejectUnauthorized: true,
      ...(alpn ? { ALPNProtocols: alpn } : {}),
    },
    (client) => {
      const upstream = 'socketPath' in target ? net.connect(target.socketPath) : net.connect(target.port, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}
