import Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../../../src/activities/adapters/docker/runtime';
import { pushPrivateImage, registryCredentials } from '../../../../support/registry';
import { stackValue } from '../../../../support/stack';

/**
 * Registry credentials kept by a credential helper, as the docker CLI finds them: `credHelpers`
 * (per registry) or `credsStore` (all registries) in config.json name `docker-credential-<name>`
 * on PATH, which answers `get` with the server on stdin. The helper here is a script that knows
 * the stack's private registry, in place of ecr-login, gcloud or desktop.
 */
const docker = new Docker();
const registry = stackValue('SLUICE_TEST_REGISTRY');
const signal = new AbortController().signal;
let image: string;
let helpers: string;
const savedPath = process.env.PATH;

function configDir(config: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-docker-config-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

beforeAll(async () => {
  image = `${registry}/${await pushPrivateImage(docker, 'sluice-cred-helper', 64 * 1024)}`;
  helpers = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cred-helpers-'));
  const { username, password } = registryCredentials();
  const log = path.join(helpers, 'asked');
  // Answers only `get` for the stack's registry, and records what it was asked.
  fs.writeFileSync(
    path.join(helpers, 'docker-credential-sluicetest'),
    `#!/bin/sh\nread server\necho "$1 $server" >> ${log}\n[ "$1" = get ] && [ "$server" = "${registry}" ] || { echo "credentials not found in native keychain"; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${username}","Secret":"${password}"}' "$server"\n`,
    { mode: 0o755 },
  );
  process.env.PATH = `${helpers}${path.delimiter}${savedPath}`;
});
afterAll(async () => {
  process.env.PATH = savedPath;
  await docker
    .getImage(image)
    .remove({ force: true })
    .catch(() => undefined);
});

describe('registry credentials from a credential helper', () => {
  it.each([
    ['credHelpers names a helper for the registry', () => ({ credHelpers: { [registry]: 'sluicetest' } })],
    ['credsStore names a helper for every registry', () => ({ credsStore: 'sluicetest' })],
  ])('%s: the pull of a private image succeeds with its answer', async (_name, config) => {
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
    const runtime = new DockerRuntime(docker, { dockerConfigDir: configDir(config()) });
    const resolved = await runtime.resolveImage(image, { policy: 'always', localFallback: false }, signal);
    expect(resolved).toMatchObject({ source: 'pulled', pinned: expect.stringMatching(/@sha256:/) });
    expect(fs.readFileSync(path.join(helpers, 'asked'), 'utf8')).toContain(`get ${registry}`);
  });

  it("a helper that has no credentials for the registry leaves the pull without them, and it fails naming the registry's answer", async () => {
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
    const runtime = new DockerRuntime(docker, {
      dockerConfigDir: configDir({ credHelpers: { 'other.example.com': 'sluicetest' }, credsStore: 'missing-helper-xyz' }),
    });
    const error = await runtime.resolveImage(image, { policy: 'always', localFallback: false }, signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ImageNotFound', message: expect.stringMatching(/no basic auth credentials|unauthorized/) });
  });
});
