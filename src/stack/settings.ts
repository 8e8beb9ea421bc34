import path from 'node:path';

/** Where the local stack keeps its state, and the loopback ports it uses. All overridable from env. */
export interface StackSettings {
  stateDir: string;
  temporal: { port: number; uiPort: number; namespace: string };
  postgres: { port: number; database: string; user: string };
  nginx: { adminPort: number };
  /** The private registry the tests pull from (only with `stack:up`, not `sluice dev`). */
  registry: { port: number };
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port: set it to a whole number from 1 to 65535`);
  }
  return value;
}

export function stackSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StackSettings {
  return {
    stateDir: path.resolve(cwd, env.SLUICE_STATE_DIR ?? '.sluice'),
    temporal: {
      port: port(env, 'SLUICE_TEMPORAL_PORT', 7233),
      uiPort: port(env, 'SLUICE_TEMPORAL_UI_PORT', 8233),
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    },
    postgres: { port: port(env, 'SLUICE_POSTGRES_PORT', 55432), database: 'sluice', user: 'sluice' },
    nginx: { adminPort: port(env, 'SLUICE_NGINX_ADMIN_PORT', 9180) },
    registry: { port: port(env, 'SLUICE_REGISTRY_PORT', 55000) },
  };
}
