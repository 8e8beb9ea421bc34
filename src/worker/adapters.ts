/** The real adapters behind the activity ports, built from the worker's settings. */
import Docker from 'dockerode';
import fs from 'node:fs/promises';
import type { ActivityDeps } from '../activities';
import { DockerRuntime } from '../activities/adapters/docker/runtime';
import { HttpProber } from '../activities/adapters/http/prober';
import { KnexMigrationRunner } from '../activities/adapters/knex/runner';
import { ContainerNginx, HostNginx } from '../activities/adapters/nginx/control';
import { NginxRouter } from '../activities/adapters/nginx/router';
import type { WorkerConfig } from './config';

export function realAdapters(config: WorkerConfig, docker = new Docker()): ActivityDeps {
  const { nginx } = config;
  const control = nginx.control.kind === 'container' ? new ContainerNginx(docker, nginx.control.container) : new HostNginx(nginx.control);
  return {
    runtime: new DockerRuntime(docker, { publishHost: config.publishHost }),
    router: new NginxRouter({ confDir: nginx.confDir, ...(nginx.nginxConfDir ? { nginxConfDir: nginx.nginxConfDir } : {}), adminPort: nginx.adminPort, listenAddress: nginx.listenAddress, control }),
    prober: new HttpProber(),
    migrations: new KnexMigrationRunner({ root: config.migrationsRoot }),
    secrets: {
      fromEnv: (name) => process.env[name],
      fromFile: async (file) => fs.readFile(file, 'utf8').then((text) => text.replace(/\n$/, ''), () => undefined),
    },
  };
}
