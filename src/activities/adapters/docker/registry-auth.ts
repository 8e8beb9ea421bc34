import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Registry credentials the way the docker CLI finds them in config.json
 * ($DOCKER_CONFIG, or ~/.docker): a credential helper named for the registry
 * in `credHelpers`, else the `credsStore` helper for every registry (ECR,
 * gcloud, Docker Desktop, pass, ...), else the `auths` entry `docker login`
 * wrote. A helper is the program `docker-credential-<name>` on PATH, asked
 * `get` with the registry on stdin. Images without a registry host come from
 * Docker Hub.
 */
export type RegistryAuth = { username: string; password: string; serveraddress: string } | { identitytoken: string; serveraddress: string };

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const HELPER_TIMEOUT_MS = 10_000;

export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  const isHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'https://index.docker.io/v1/';
}

/** `https://registry.example.com/v1/` and `registry.example.com` name the same registry. */
const hostOf = (registry: string) => registry.replace(/^https?:\/\//, '').replace(/\/.*$/, '');

function entryFor<T>(entries: Record<string, T> | undefined, registry: string): T | undefined {
  return Object.entries(entries ?? {}).find(([key]) => key === registry || hostOf(key) === hostOf(registry))?.[1];
}

/** Runs a helper without blocking the worker (a helper that calls a cloud API can take seconds); undefined when it fails. */
function ask(command: string, input: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['get'], { timeout: HELPER_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout) =>
      resolve(error ? undefined : stdout),
    ).stdin?.end(input);
  });
}

/** Asks `docker-credential-<helper> get`; undefined when the helper is missing or has nothing for the registry. */
async function fromHelper(helper: string, registry: string): Promise<RegistryAuth | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return undefined;
  const stdout = await ask(`docker-credential-${helper}`, registry);
  if (stdout === undefined) return undefined;
  try {
    const { Username, Secret } = JSON.parse(stdout) as { Username?: string; Secret?: string };
    if (!Secret) return undefined;
    // "<token>" is how helpers hand out an identity token (OAuth refresh token) instead of a password.
    return Username === '<token>'
      ? { identitytoken: Secret, serveraddress: registry }
      : Username
        ? { username: Username, password: Secret, serveraddress: registry }
        : undefined;
  } catch {
    return undefined;
  }
}

function fromAuths(config: DockerConfig, registry: string): RegistryAuth | undefined {
  const entry = entryFor(config.auths, registry);
  if (!entry) return undefined;
  const [username, password] = entry.auth
    ? Buffer.from(entry.auth, 'base64').toString('utf8').split(/:(.*)/s)
    : [entry.username, entry.password];
  return username && password ? { username, password, serveraddress: registry } : undefined;
}

export async function registryAuthFor(
  image: string,
  configDir = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'),
): Promise<RegistryAuth | undefined> {
  let config: DockerConfig;
  try {
    config = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as DockerConfig;
  } catch {
    return undefined;
  }
  const registry = registryOf(image);
  const helper = entryFor(config.credHelpers, registry) ?? config.credsStore;
  return (helper ? await fromHelper(helper, registry) : undefined) ?? fromAuths(config, registry);
}
