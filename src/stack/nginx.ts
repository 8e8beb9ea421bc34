import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { renderMainConfig } from './nginx-main-config';
import type { StackSettings } from './settings';
import { aptInstall, isRoot, readPid, run, runChecked, stopDaemon, waitUntil, which } from './system';

/**
 * An nginx instance of our own, with the Lua module loaded (sluice's router
 * changes weights through a Lua balancer instead of reloading). It lives in a
 * prefix directory; the router writes per-service files into its conf.d.
 */
export interface NginxInstance {
  bin: string;
  prefix: string;
  confDir: string;
  configFile: string;
  modules: string[];
}

const MODULE_DIR = '/usr/lib/nginx/modules';
const LUA_MODULES = ['ndk_http_module.so', 'ngx_http_lua_module.so'];

export function findNginx(): { bin: string; modules: string[] } {
  const bin = process.env.SLUICE_NGINX_BIN ?? which('nginx') ?? ['/usr/sbin/nginx'].find((p) => fs.existsSync(p));
  const modules = LUA_MODULES.map((m) => path.join(MODULE_DIR, m));
  const missing = [!bin && 'nginx', !modules.every((m) => fs.existsSync(m)) && 'libnginx-mod-http-lua'].filter((p): p is string => !!p);
  if (missing.length === 0 && bin) return { bin, modules };
  aptInstall(missing, 'nginx with the Lua module is needed for the router');
  return findNginx();
}

/** Writes the main config into `prefix` and starts (or reloads) nginx there. Idempotent. */
export async function startNginx(prefix: string): Promise<NginxInstance> {
  const { bin, modules } = findNginx();
  const instance: NginxInstance = {
    bin,
    prefix,
    confDir: path.join(prefix, 'conf.d'),
    configFile: path.join(prefix, 'nginx.conf'),
    modules,
  };
  for (const dir of ['logs', 'conf.d']) fs.mkdirSync(path.join(prefix, dir), { recursive: true });
  const tempDir = workersTempDir(prefix);
  makeReachable(tempDir);
  const user = isRoot() ? unprivilegedUser() : undefined;
  fs.writeFileSync(instance.configFile, renderMainConfig({ prefix, confDir: instance.confDir, modules, user, tempDir }));
  const pidFile = path.join(prefix, 'nginx.pid');
  const check = run(bin, ['-t', '-p', prefix, '-c', instance.configFile]);
  if (check.status !== 0) throw new Error(`nginx -t failed for ${instance.configFile}: ${check.stderr.trim()}`);
  if (readPid(pidFile) !== undefined) {
    runChecked(bin, ['-p', prefix, '-c', instance.configFile, '-s', 'reload']);
  } else {
    runChecked(bin, ['-p', prefix, '-c', instance.configFile]);
    await waitUntil('nginx to write its pid file', () => readPid(pidFile) !== undefined, {
      timeoutMs: 10_000,
      logFile: path.join(prefix, 'logs', 'error.log'),
    });
  }
  return instance;
}

/**
 * When the stack runs as root, nginx's workers (which parse every request) run as Debian's web
 * server account, never root. They read no file of ours: the master loads the Lua module, the admin
 * token and the routing state before it forks them.
 */
function unprivilegedUser(): string {
  return run('id', ['-u', 'www-data']).status === 0 ? 'www-data www-data' : 'nobody nogroup';
}

/**
 * The only files the workers write: request bodies and response buffers spilled to disk. Under a root
 * master, a directory of this instance under /var/lib, which the workers can reach even when the prefix
 * lies under a private directory (a 0700 checkout or home); nginx gives its subdirectories to them.
 */
function workersTempDir(prefix: string): string {
  if (!isRoot()) return path.join(prefix, 'tmp');
  const instance = crypto.createHash('sha256').update(path.resolve(prefix)).digest('hex').slice(0, 12);
  return path.join('/var/lib/sluice/nginx', instance);
}

/** Creates `dir` and its missing parents, each one 0755 whatever the umask, so the workers can get in. */
function makeReachable(dir: string): void {
  const parent = path.dirname(dir);
  if (parent !== dir && !fs.existsSync(parent)) makeReachable(parent);
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
}

export async function stopNginx(prefix: string): Promise<boolean> {
  const stopped = await stopDaemon(path.join(prefix, 'nginx.pid'), 'nginx');
  // Once nginx is gone, only spilled bodies of requests that are over: the directory outside the prefix would otherwise stay behind.
  if (stopped && isRoot()) fs.rmSync(workersTempDir(prefix), { recursive: true, force: true });
  return stopped;
}

export function nginxPrefix(settings: StackSettings): string {
  return path.join(settings.stateDir, 'nginx');
}
