import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderMainConfig } from '../activities/adapters/nginx/main-config';
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
  const instance: NginxInstance = { bin, prefix, confDir: path.join(prefix, 'conf.d'), configFile: path.join(prefix, 'nginx.conf'), modules };
  for (const dir of ['logs', 'conf.d', 'tmp']) fs.mkdirSync(path.join(prefix, dir), { recursive: true });
  // Root masters drop workers to `nobody` by default, who cannot read a private state dir.
  const user = isRoot() ? `${os.userInfo().username}` : undefined;
  fs.writeFileSync(instance.configFile, renderMainConfig({ prefix, confDir: instance.confDir, modules, user }));
  const pidFile = path.join(prefix, 'nginx.pid');
  const check = run(bin, ['-t', '-p', prefix, '-c', instance.configFile]);
  if (check.status !== 0) throw new Error(`nginx -t failed for ${instance.configFile}: ${check.stderr.trim()}`);
  if (readPid(pidFile) !== undefined) {
    runChecked(bin, ['-p', prefix, '-c', instance.configFile, '-s', 'reload']);
  } else {
    runChecked(bin, ['-p', prefix, '-c', instance.configFile]);
    await waitUntil('nginx to write its pid file', () => readPid(pidFile) !== undefined, { timeoutMs: 10_000, logFile: path.join(prefix, 'logs', 'error.log') });
  }
  return instance;
}

export async function stopNginx(prefix: string): Promise<boolean> {
  return stopDaemon(path.join(prefix, 'nginx.pid'), 'nginx');
}

export function nginxPrefix(settings: StackSettings): string {
  return path.join(settings.stateDir, 'nginx');
}

