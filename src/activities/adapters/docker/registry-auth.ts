import { spawnSync } from 'node:child_process';
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

/** Asks `docker-credential-<helper> get`; undefined when the helper is missing or has nothing for the registry. */
function fromHelper(helper: string, registry: string): RegistryAuth | undefined {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return undefined;
  const answer = spawnSync(`docker-credential-${helper}`, ['get'], { input: registry, encoding: 'utf8', timeout: HELPER_TIMEOUT_MS });
  if (answer.error || answer.status !== 0) return undefined;
  try {
    const { Username, Secret } = JSON.parse(answer.stdout) as { Username?: string; Secret?: string };
    if (!Secret) return undefined;
    // "<token>" is how helpers hand out an identity token (OAuth refresh token) instead of a password.
    return Username === '<token>' ? { identitytoken: Secret, serveraddress: registry } : Username ? { username: Username, password: Secret, serveraddress: registry } : undefined;
  } catch {
    return undefined;
  }
}

function fromAuths(config: DockerConfig, registry: string): RegistryAuth | undefined {
  const entry = entryFor(config.auths, registry);
  if (!entry) return undefined;
  const [username, password] = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8').split(/:(.*)/s) : [entry.username, entry.password];
  return username && password ? { username, password, serveraddress: registry } : undefined;
}

export function registryAuthFor(image: string, configDir = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker')): RegistryAuth | undefined {
  let config: DockerConfig;
  try {
    config = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as DockerConfig;
  } catch {
    return undefined;
  }
  const registry = registryOf(image);
  const helper = entryFor(config.credHelpers, registry) ?? config.credsStore;
  return (helper ? fromHelper(helper, registry) : undefined) ?? fromAuths(config, registry);
}
