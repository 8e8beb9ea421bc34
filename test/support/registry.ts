import Docker from 'dockerode';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildImage, fixtureImage } from '../../src/stack/fixtures';
import { stackValue } from './stack';

/** The stack's private registry (see src/stack/registry.ts) and images that only it has. */
export function registryCredentials(): { username: string; password: string } {
  return { username: stackValue('SLUICE_TEST_REGISTRY_USER'), password: stackValue('SLUICE_TEST_REGISTRY_PASSWORD') };
}

/** A docker config dir (what DOCKER_CONFIG points at) holding credentials for `host`, the way `docker login` writes them. */
export function dockerConfigFor(host: string, credentials = registryCredentials()): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-docker-config-'));
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
  return dir;
}

/**
 * Pushes the v2 fixture plus a layer of `layerBytes` random (incompressible)
 * bytes to the registry as `repository:tag`, then deletes it locally, so a
 * deployment of it must pull that layer. Returns `repository:tag`; prefix it
 * with the registry's address, or a link in front of it.
 */
export async function pushPrivateImage(docker: Docker, repository: string, layerBytes: number): Promise<string> {
  const tag = crypto.randomBytes(4).toString('hex');
  const local = `${stackValue('SLUICE_TEST_REGISTRY')}/${repository}:${tag}`;
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-private-image-'));
  try {
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${fixtureImage('v2')}\nCOPY payload /payload\n`);
    fs.writeFileSync(path.join(context, 'payload'), crypto.randomBytes(layerBytes));
    await buildImage(docker, { context, src: ['Dockerfile', 'payload'] }, local);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  await push(docker, local);
  await docker.getImage(local).remove({ force: true });
  return `${repository}:${tag}`;
}

async function push(docker: Docker, image: string): Promise<void> {
  const { username, password } = registryCredentials();
  const stream = await docker
    .getImage(image)
    .push({ authconfig: { username, password, serveraddress: stackValue('SLUICE_TEST_REGISTRY') } });
  const output: Array<{ error?: string }> = await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, result: Array<{ error?: string }>) =>
      error ? reject(error) : resolve(result),
    ),
  );
  const failed = output.find((line) => line.error);
  if (failed) throw new Error(`docker push ${image} failed: ${failed.error}`);
}

/** Points `<registry>/<repository>:<tag>` at a local image and pushes it, as a CI job publishing a build does (moving the tag). */
export async function pushAs(docker: Docker, source: string, repositoryAndTag: string): Promise<string> {
  const target = `${stackValue('SLUICE_TEST_REGISTRY')}/${repositoryAndTag}`;
  const [repo, tag] = [target.slice(0, target.lastIndexOf(':')), target.slice(target.lastIndexOf(':') + 1)];
  await docker.getImage(source).tag({ repo, tag });
  await push(docker, target);
  return target;
}
