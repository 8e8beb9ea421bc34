import fs from 'node:fs';
import { startDocker, stopDocker, removeSluiceContainers } from './docker';
import { stackEnvPath, writeStackEnv } from './env-file';
import { buildFixtures } from './fixtures';
import { startFleet, stopFleet } from './fleet';
import { nginxPrefix, startNginx, stopNginx } from './nginx';
import { startPostgres, stopPostgres } from './postgres';
import { runningRegistry, startRegistry, stopRegistry } from './registry';
import type { StackSettings } from './settings';
import { startTemporal, stopTemporal } from './temporal';
import { ensureCommands } from './system';
import { ensureTool } from './tools';

/** Commands the tests run besides the stack's parts, and the Debian packages that have them. */
const TEST_COMMANDS = { 'docker-compose': 'docker-compose', openssl: 'openssl' };

/**
 * The local stack: Temporal dev server, Docker Engine, nginx with Lua, and
 * PostgreSQL, each reused when already running and started otherwise; for
 * the tests, the fixture images and a private registry on loopback, and with
 * `hosts` a test fleet (fleet.ts).
 * `up` is idempotent; `down` stops what `up` started and removes sluice's containers.
 */
export async function stackUp(
  settings: StackSettings,
  options: { fixtures?: boolean; registry?: boolean; hosts?: number } = {},
): Promise<Record<string, string>> {
  fs.mkdirSync(settings.stateDir, { recursive: true });
  // The test stack (with the registry) also brings the commands tests run: a user's `npm test` needs no other setup.
  if (options.registry) ensureCommands(TEST_COMMANDS, 'the tests run');
  const temporal = await startTemporal(settings);
  const testServer = ensureTool('temporal-test-server', settings.stateDir);
  const docker = await startDocker(settings);
  const nginx = await startNginx(nginxPrefix(settings));
  const postgres = await startPostgres(settings);
  const values: Record<string, string> = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    SLUICE_TEMPORAL_UI: temporal.uiUrl,
    TEMPORAL_CLI: temporal.cli,
    TEMPORAL_TEST_SERVER: testServer,
    DOCKER_HOST: docker.host,
    SLUICE_NGINX_BIN: nginx.bin,
    SLUICE_NGINX_PREFIX: nginx.prefix,
    SLUICE_NGINX_CONF_DIR: nginx.confDir,
    SLUICE_NGINX_CONFIG: nginx.configFile,
    SLUICE_NGINX_ADMIN_PORT: String(settings.nginx.adminPort),
    // The local stack serves on loopback only.
    SLUICE_NGINX_LISTEN_ADDRESS: '127.0.0.1',
    SLUICE_NGINX_MODULES: nginx.modules.join(':'),
    DATABASE_URL: postgres.url,
  };
  // Without `registry`, keep a running one in stack.env: the demo and `sluice dev` rewrite the file while tests read it.
  const registry = options.registry ? await startRegistry(settings) : await runningRegistry(settings);
  if (registry) {
    Object.assign(values, {
      SLUICE_TEST_REGISTRY: registry.address,
      SLUICE_TEST_REGISTRY_USER: registry.username,
      SLUICE_TEST_REGISTRY_PASSWORD: registry.password,
    });
  }
  if (options.hosts !== undefined) {
    const hosts = await startFleet(settings, options.hosts);
    values.SLUICE_FLEET_HOSTS = hosts.map((host) => `${host.name}@${host.address}`).join(',');
  }
  writeStackEnv(settings.stateDir, values);
  if (options.fixtures !== false) await buildFixtures();
  return values;
}

export async function stackDown(settings: StackSettings): Promise<string[]> {
  const stopped: string[] = [];
  const removed = await removeSluiceContainers();
  if (removed > 0) stopped.push(`${removed} sluice container(s)`);
  if (await stopTemporal(settings)) stopped.push('temporal');
  if (await stopNginx(nginxPrefix(settings))) stopped.push('nginx');
  if (await stopPostgres(settings)) stopped.push('postgres');
  if (await stopRegistry(settings)) stopped.push('registry');
  stopped.push(...(await stopFleet(settings)));
  if (await stopDocker(settings)) stopped.push('dockerd');
  fs.rmSync(stackEnvPath(settings.stateDir), { force: true });
  return stopped;
}
