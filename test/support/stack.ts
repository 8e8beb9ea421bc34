import Docker from 'dockerode';
import { LABELS, MANAGED_BY_VALUE } from '../../src/shared/names';

/** The value of a variable `npm run stack:up` writes; integration tests fail (never skip) without it. */
export function stackValue(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run \`npm run stack:up\` first (integration tests use the real stack)`);
  return value;
}

export { freePort } from '../../bench/worker-process';

/** Removes every container sluice made for these services (test clean-up). */
export async function removeServiceContainers(docker: Docker, ...services: string[]): Promise<void> {
  for (const service of services) {
    const containers = await docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`, `${LABELS.service}=${service}`] },
    });
    await Promise.all(
      containers.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }
}

/** A service name unique to this test process, so parallel test files never share containers. */
export function testServiceName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`.slice(0, 40).replace(/-+$/, '');
}

/** GET over a fresh connection (no keep-alive pool), so no answer comes from a connection opened before a reload. */
export async function getFresh(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { ...headers, connection: 'close' } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      })
      .on('error', reject);
  });
}
