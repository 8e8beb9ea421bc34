import Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import { goBinary, run } from './system';

/**
 * Builds the fixture app's images without a registry: a static Go binary
 * copied into a `FROM scratch` image. One source, several releases; the bad
 * release differs only by FIXTURE_FAIL_READY=1 baked into its environment.
 */
export const FIXTURE_IMAGE = 'sluice-fixture';

export const FIXTURE_RELEASES = [
  { tag: 'v1', buildArgs: { RELEASE: 'v1' } },
  { tag: 'v2', buildArgs: { RELEASE: 'v2' } },
  { tag: 'v3', buildArgs: { RELEASE: 'v3' } },
  { tag: 'bad', buildArgs: { RELEASE: 'bad', FAIL_READY: '1' } },
] as const;

export function fixtureImage(tag: (typeof FIXTURE_RELEASES)[number]['tag']): string {
  return `${FIXTURE_IMAGE}:${tag}`;
}

const SOURCE_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'app');

function buildBinary(): string {
  const go = goBinary('to build the fixture app');
  const output = path.join(SOURCE_DIR, 'build', 'fixture');
  const sources = fs.readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.go') || f === 'go.mod');
  const newestSource = Math.max(...sources.map((f) => fs.statSync(path.join(SOURCE_DIR, f)).mtimeMs));
  if (fs.existsSync(output) && fs.statSync(output).mtimeMs >= newestSource) return output;
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  const result = run(go, ['build', '-C', SOURCE_DIR, '-trimpath', '-ldflags=-s -w', '-o', output, '.'], { env });
  if (result.status !== 0) throw new Error(`go build of the fixture failed: ${result.stderr.trim()}`);
  return output;
}

/** Builds `tag` from the files `src` of the directory `context`, which include its Dockerfile. */
export async function buildImage(
  docker: Docker,
  files: { context: string; src: string[] },
  tag: string,
  buildArgs: Record<string, string> = {},
): Promise<void> {
  const stream = await docker.buildImage(files, { t: tag, buildargs: buildArgs, rm: true, forcerm: true });
  const output: Array<{ error?: string }> = await new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, result: Array<{ error?: string }>) =>
      error ? reject(error) : resolve(result),
    );
  });
  const failure = output.find((line) => line.error);
  if (failure) throw new Error(`docker build of ${tag} failed: ${failure.error}`);
}

/** Builds every fixture release; returns the image names. */
export async function buildFixtures(docker = new Docker()): Promise<string[]> {
  buildBinary();
  const images: string[] = [];
  for (const release of FIXTURE_RELEASES) {
    const tag = fixtureImage(release.tag);
    await buildImage(docker, { context: SOURCE_DIR, src: ['Dockerfile', 'build/fixture'] }, tag, release.buildArgs);
    images.push(tag);
  }
  return images;
}
