import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostNginx, type NginxControl } from '../../src/activities/adapters/nginx/control';
import { NginxRouter } from '../../src/activities/adapters/nginx/router';
import { startNginx, stopNginx } from '../../src/stack/nginx';
import { freePort } from './stack';

/** A private nginx (with the Lua module) and a NginxRouter on it; counts reloads so tests can see them. */
export interface PrivateRouter {
  router: NginxRouter;
  control: NginxControl & { reloads: number };
  confDir: string;
  adminPort: number;
  hostControl: { bin: string; prefix: string; configFile: string };
  restart: () => Promise<void>;
  stop: () => Promise<void>;
}

export async function privateRouter(): Promise<PrivateRouter> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-router-'));
  const instance = await startNginx(prefix);
  const hostControl = { bin: instance.bin, prefix, configFile: instance.configFile };
  const host = new HostNginx(hostControl);
  const control = {
    reloads: 0,
    test: () => host.test(),
    version: () => host.version(),
    async reload() {
      control.reloads++;
      await host.reload();
    },
  };
  const adminPort = await freePort();
  const router = new NginxRouter({ confDir: instance.confDir, adminPort, listenAddress: '127.0.0.1', control });
  return {
    router,
    control,
    confDir: instance.confDir,
    adminPort,
    hostControl,
    /** A full stop and start (not a reload): nginx's shared memory is lost, the files stay. */
    restart: async () => {
      await stopNginx(prefix);
      await startNginx(prefix);
    },
    stop: async () => {
      await stopNginx(prefix);
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}
