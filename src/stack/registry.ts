import fs from 'node:fs';
import path from 'node:path';
import { MissingPrerequisite } from './errors';
import type { StackSettings } from './settings';
import { goBinary, portOpen, readPid, runChecked, startDaemon, stopDaemon, waitUntil } from './system';

/**
 * A private image registry on loopback, for the tests of pulls with
 * credentials (no public registry is reachable from CI): Distribution's own
 * `registry`, built from the Go module proxy into the state dir, with htpasswd
 * auth. On its first start the registry provisions a user with a random
 * password and logs both; we keep them in credentials.json.
 */
export interface RegistryEndpoint {
  address: string;
  username: string;
  password: string;
}

const REGISTRY_MODULE = 'github.com/distribution/distribution/v3/cmd/registry@v3.1.2';

function files(stateDir: string) {
  const dir = path.join(stateDir, 'registry');
  return {
    dir,
    config: path.join(dir, 'config.json'),
    htpasswd: path.join(dir, 'htpasswd'),
    credentials: path.join(dir, 'credentials.json'),
    logFile: path.join(dir, 'registry.log'),
    pidFile: path.join(dir, 'registry.pid'),
  };
}

function registryBinary(stateDir: string): string {
  const fromEnv = process.env.SLUICE_REGISTRY_BIN;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv))
      throw new MissingPrerequisite(
        `SLUICE_REGISTRY_BIN=${fromEnv} does not exist: point it at Distribution's registry binary or unset it`,
      );
    return fromEnv;
  }
  const bin = path.join(stateDir, 'tools', 'bin');
  const built = path.join(bin, 'registry');
  if (fs.existsSync(built)) return built;
  console.log(`stack: building the test registry (${REGISTRY_MODULE}) from the Go module proxy`);
  // The module wants a newer Go than some distributions ship; `auto` fetches that toolchain from the same proxy.
  runChecked(goBinary('to build the test registry'), ['install', REGISTRY_MODULE], {
    env: { ...process.env, GOBIN: bin, CGO_ENABLED: '0', GOTOOLCHAIN: 'auto' },
  });
  return built;
}

/** The password the registry logged when it provisioned its htpasswd file (JSON log lines). */
function provisionedCredentials(logFile: string): { username: string; password: string } | undefined {
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n').reverse()) {
    if (!line.includes('provisioning with default user')) continue;
    const entry = JSON.parse(line) as { user?: string; password?: string };
    if (entry.user && entry.password) return { username: entry.user, password: entry.password };
  }
  return undefined;
}

function knownCredentials(credentialsFile: string): Omit<RegistryEndpoint, 'address'> | undefined {
  return fs.existsSync(credentialsFile)
    ? (JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as Omit<RegistryEndpoint, 'address'>)
    : undefined;
}

/** The registry an earlier `stack:up` started, if it still answers. */
export async function runningRegistry(settings: StackSettings): Promise<RegistryEndpoint | undefined> {
  const f = files(settings.stateDir);
  const known = knownCredentials(f.credentials);
  if (known && readPid(f.pidFile) !== undefined && (await portOpen(settings.registry.port)))
    return { address: `127.0.0.1:${settings.registry.port}`, ...known };
  return undefined;
}

export async function startRegistry(settings: StackSettings): Promise<RegistryEndpoint> {
  const running = await runningRegistry(settings);
  if (running) return running;
  const f = files(settings.stateDir);
  const address = `127.0.0.1:${settings.registry.port}`;
  const known = knownCredentials(f.credentials);
  if (await portOpen(settings.registry.port)) {
    throw new Error(
      `port ${settings.registry.port} is taken by something that is not this stack's registry: stop it or set SLUICE_REGISTRY_PORT`,
    );
  }
  const bin = registryBinary(settings.stateDir);
  fs.mkdirSync(f.dir, { recursive: true });
  // Without the credentials we cannot log in: let the registry provision a fresh user.
  if (!known) fs.rmSync(f.htpasswd, { force: true });
  const config = {
    version: 0.1,
    log: { level: 'info', formatter: 'json' },
    storage: { filesystem: { rootdirectory: path.join(f.dir, 'data') }, delete: { enabled: true } },
    http: { addr: address },
    auth: { htpasswd: { realm: 'sluice-test-registry', path: f.htpasswd } },
  };
  // JSON is YAML, which is what the registry reads.
  fs.writeFileSync(f.config, JSON.stringify(config, null, 2));
  fs.writeFileSync(f.logFile, '');
  startDaemon(bin, ['serve', f.config], f);
  await waitUntil(`the test registry on ${address}`, () => portOpen(settings.registry.port), { timeoutMs: 30_000, logFile: f.logFile });
  const credentials = known ?? provisionedCredentials(f.logFile);
  if (!credentials) throw new Error(`the test registry did not log the user it provisioned; see ${f.logFile}`);
  fs.writeFileSync(f.credentials, JSON.stringify(credentials), { mode: 0o600 });
  return { address, ...credentials };
}

export async function stopRegistry(settings: StackSettings): Promise<boolean> {
  return stopDaemon(files(settings.stateDir).pidFile, 'registry');
}
