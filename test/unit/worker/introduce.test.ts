import type Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostIntroduction, sluiceVersion } from '../../../src/worker/introduce';

const at = new Date('2026-11-27T19:00:00.000Z');

describe("a fleet host's introduction", () => {
  it("names the host, its task queue, this worker's identity, sluice's version and the Docker Engine's", async () => {
    const docker = { version: async () => ({ Version: '20.10.24+dfsg1' }) } as unknown as Docker;
    expect(await hostIntroduction('web-1', 'prod', docker, at)).toEqual({
      name: 'web-1',
      taskQueue: 'prod@web-1',
      identity: `${process.pid}@${os.hostname()}`,
      sluiceVersion: sluiceVersion(),
      dockerVersion: '20.10.24+dfsg1',
      seenAt: '2026-11-27T19:00:00.000Z',
    });
  });

  it('says why when the Docker Engine does not answer, instead of not introducing the host', async () => {
    const docker = { version: () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')) } as unknown as Docker;
    expect((await hostIntroduction('web-1', 'prod', docker, at)).dockerVersion).toBe('unknown (connect ENOENT /var/run/docker.sock)');
  });

  it("reads sluice's version from its package.json", () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(sluiceVersion()).toBe(manifest.version);
  });
});
