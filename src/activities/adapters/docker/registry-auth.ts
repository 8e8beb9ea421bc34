import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Registry credentials the way the docker CLI keeps them: the `auths` of
 * config.json in $DOCKER_CONFIG (or ~/.docker), keyed by registry host.
 * Images without a registry host come from Docker Hub.
 */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  const isHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'https://index.docker.io/v1/';
}

export function registryAuthFor(image: string, configDir = process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker')): RegistryAuth | undefined {
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(fs.readFileSync(path.join(configDir, 'config.json'), 'utf8')) as typeof config;
  } catch {
    return undefined;
  }
  const registry = registryOf(image);
  const entry = Object.entries(config.auths ?? {}).find(([key]) => key === registry || key.replace(/^https?:\/\//, '').replace(/\/.*$/, '') === registry.replace(/^https?:\/\//, '').replace(/\/.*$/, ''))?.[1];
  if (!entry) return undefined;
  const [username, password] = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8').split(/:(.*)/s) : [entry.username, entry.password];
  return username && password ? { username, password, serveraddress: registry } : undefined;
}
