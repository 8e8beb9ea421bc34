import type Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nginxVersionIn, type NginxControl } from '../../../src/activities/adapters/nginx/control';
import { hostIntroduction, sluiceVersion } from '../../../src/worker/introduce';

const at = new Date('2026-11-27T19:00:00.000Z');
const nginx = { version: async () => 'nginx/1.22.1' } as NginxControl;
const container = (service: string, release: string) => ({
  Labels: { 'dev.sluice.managed-by': 'sluice', 'dev.sluice.service': service, 'dev.sluice.release': release },
});

describe("a fleet host's introduction", () => {
  it("names the host, its task queue, this worker's identity, sluice's, Docker's and nginx's versions, and the releases that run", async () => {
    const docker = {
      version: async () => ({ Version: '20.10.24+dfsg1' }),
      listContainers: async () => [
        container('web', 'v2-bbbb'),
        container('api', 'v1-aaaa'),
        container('web', 'v1-aaaa'),
        container('web', 'v2-bbbb'),
      ],
    } as unknown as Docker;
    expect(await hostIntroduction('web-1', 'prod', docker, nginx, at)).toEqual({
      name: 'web-1',
      taskQueue: 'prod@web-1',
      identity: `${process.pid}@${os.hostname()}`,
      sluiceVersion: sluiceVersion(),
      dockerVersion: '20.10.24+dfsg1',
      nginxVersion: 'nginx/1.22.1',
      // A service mid-deployment runs two releases.
      releases: { api: 'v1-aaaa', web: 'v1-aaaa, v2-bbbb' },
      seenAt: '2026-11-27T19:00:00.000Z',
    });
  });

  it("reads nginx's version from what `nginx -v` prints, and says so when it prints none", () => {
    expect(nginxVersionIn('nginx version: nginx/1.22.1\n')).toBe('nginx/1.22.1');
    expect(nginxVersionIn('spawnSync nginx ENOENT')).toBe('unknown (spawnSync nginx ENOENT)');
  });

  it('says why when the Docker Engine does not answer, instead of not introducing the host', async () => {
    const refused = () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock'));
    const docker = { version: refused, listContainers: refused } as unknown as Docker;
    const introduction = await hostIntroduction('web-1', 'prod', docker, nginx, at);
    expect(introduction.dockerVersion).toBe('unknown (connect ENOENT /var/run/docker.sock)');
    expect(introduction.releases).toEqual({});
  });

  it("reads sluice's version from its package.json", () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(sluiceVersion()).toBe(manifest.version);
  });
});
