import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostNginx, type NginxControl } from '../../src/activities/adapters/nginx/control';
import { NginxRouter } from '../../src/activities/adapters/nginx/router';
import { startNginx, stopNginx } from '../../src/stack/nginx';
import { freePort } from './stack';

/** A private nginx (with the Lua module) and a NginxRouter on it; counts reloads so tests can see them. */
export async function privateRouter(): Promise<{ router: NginxRouter; control: NginxControl & { reloads: number }; confDir: string; restart: () => Promise<void>; stop: () => Promise<void> }> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-router-'));
  const instance = await startNginx(prefix);
  const host = new HostNginx({ bin: instance.bin, prefix, configFile: instance.configFile });
  const control = {
    reloads: 0,
    test: () => host.test(),
    async reload() {
      control.reloads++;
      await host.reload();
    },
  };
  const router = new NginxRouter({ confDir: instance.confDir, adminPort: await freePort(), listenAddress: '127.0.0.1', control });
  return {
    router,
    control,
    confDir: instance.confDir,
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
