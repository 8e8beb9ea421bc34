/**
 * Worker settings from the environment. Every mistake names the variable and
 * what it should hold. Where the router and the migrations live is the
 * worker's business, not the spec's: a spec from CI never chooses which files
 * on the worker host get written.
 */
import os from 'node:os';
import path from 'node:path';
import { SettingError } from '../shared/errors';
import { DEFAULT_TASK_QUEUE, HOST_NAME_PATTERN } from '../shared/names';
import { temporalSettings, type TemporalSettings } from '../temporal/connection';
import { parseEnvGrants, type SecretScopeSettings } from '../activities/adapters/secret-scope';

export interface NginxSettings {
  /** Directory included by nginx's http {} block (`include <dir>/*.conf;`); sluice writes its files here. */
  confDir: string;
  /** The same directory as nginx sees it, if nginx runs in a container that mounts it elsewhere. */
  nginxConfDir?: string;
  adminPort: number;
  listenAddress: string;
  /** How to check and reload nginx: a host process, or a container on the Docker host. */
  control: { kind: 'host'; bin: string; prefix?: string; configFile?: string } | { kind: 'container'; container: string };
}

export interface WorkerConfig {
  temporal: TemporalSettings;
  taskQueue: string;
  /**
   * The fleet host this worker serves (SLUICE_HOST): its activities run on the host's own task
   * queue (hostTaskQueue), its workflows on the shared one. Absent: one host, everything shared.
   */
  host?: string;
  nginx: NginxSettings;
  migrationsRoot: string;
  publishHost: string;
  shutdownGraceMs: number;
  /** The key of the secrets' digest: the value itself, or the file it is kept in (made on first use). */
  secretDigestKey: { value: string } | { file: string };
  /** What each service's secrets may come from: files in `<dir>/<service>/`, granted environment variables. */
  secretScope: SecretScopeSettings;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SettingError(`${name}=${raw} is not valid: expected a whole number from ${min} to ${max}`);
  return value;
}

function hostSetting(env: NodeJS.ProcessEnv): { host?: string } {
  const host = env.SLUICE_HOST;
  if (host === undefined || host === '') return {};
  if (!HOST_NAME_PATTERN.test(host))
    throw new SettingError(
      `SLUICE_HOST=${host} is not a host name: use lowercase letters, digits and "-" (at most 63, not starting or ending with "-"), like web-1`,
    );
  return { host };
}

export function workerConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): WorkerConfig {
  const confDir = env.SLUICE_NGINX_CONF_DIR;
  if (!confDir)
    throw new SettingError(
      'SLUICE_NGINX_CONF_DIR is not set: point it at the directory your nginx includes inside http {} (e.g. /etc/nginx/conf.d), or run `sluice dev`',
    );
  const container = env.SLUICE_NGINX_CONTAINER;
  return {
    temporal: temporalSettings(env),
    taskQueue: env.SLUICE_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    ...hostSetting(env),
    nginx: {
      confDir,
      ...(env.SLUICE_NGINX_CONTAINER_CONF_DIR ? { nginxConfDir: env.SLUICE_NGINX_CONTAINER_CONF_DIR } : {}),
      adminPort: int(env, 'SLUICE_NGINX_ADMIN_PORT', 9180, { min: 1, max: 65535 }),
      listenAddress: env.SLUICE_NGINX_LISTEN_ADDRESS || '0.0.0.0',
      control: container
        ? { kind: 'container', container }
        : {
            kind: 'host',
            bin: env.SLUICE_NGINX_BIN || 'nginx',
            ...(env.SLUICE_NGINX_PREFIX ? { prefix: env.SLUICE_NGINX_PREFIX } : {}),
            ...(env.SLUICE_NGINX_CONFIG ? { configFile: env.SLUICE_NGINX_CONFIG } : {}),
          },
    },
    migrationsRoot: env.SLUICE_MIGRATIONS_ROOT || cwd,
    publishHost: env.SLUICE_PUBLISH_HOST || '127.0.0.1',
    shutdownGraceMs: int(env, 'SLUICE_SHUTDOWN_GRACE_MS', 30_000),
    secretDigestKey: secretDigestKey(env),
    secretScope: {
      dir: path.resolve(env.SLUICE_SECRETS_DIR || path.join(stateDir(env), 'secrets')),
      env: parseEnvGrants(env.SLUICE_ENV_GRANTS),
    },
  };
}

function stateDir(env: NodeJS.ProcessEnv): string {
  return env.SLUICE_STATE_DIR || path.join(os.homedir(), '.sluice');
}

function secretDigestKey(env: NodeJS.ProcessEnv): WorkerConfig['secretDigestKey'] {
  const value = env.SLUICE_SECRET_DIGEST_KEY;
  if (value !== undefined && value !== '') {
    if (value.length < 32)
      throw new SettingError(
        'SLUICE_SECRET_DIGEST_KEY is too short: use at least 32 random characters (e.g. `openssl rand -hex 32`), the same on every worker',
      );
    return { value };
  }
  return { file: path.join(stateDir(env), 'secret-digest.key') };
}
