/** The real adapters behind the activity ports, built from the worker's settings. */
import Docker from 'dockerode';
import type { ActivityDeps } from '../activities';
import { DockerRuntime } from '../activities/adapters/docker/runtime';
import { HttpProber } from '../activities/adapters/http/prober';
import { KnexMigrationRunner } from '../activities/adapters/knex/runner';
import { ContainerNginx, HostNginx, type NginxControl } from '../activities/adapters/nginx/control';
import { NginxRouter } from '../activities/adapters/nginx/router';
import { ScopedSecrets } from '../activities/adapters/secret-scope';
import { LABELS, MANAGED_BY_VALUE } from '../shared/names';
import type { WorkerConfig } from './config';
import { HmacSecretDigester, keyFromFile } from './secret-digest';

/** Services with containers sluice labelled on this Docker host. */
export async function servicesOnHost(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`] } });
  return [...new Set(containers.map((c) => c.Labels[LABELS.service]).filter((s): s is string => !!s))].sort();
}

/** How the worker checks, reloads and asks the version of its nginx: a process on the host, or a container. */
export function nginxControl(config: WorkerConfig, docker: Docker): NginxControl {
  const { control } = config.nginx;
  return control.kind === 'container' ? new ContainerNginx(docker, control.container) : new HostNginx(control);
}

export function realAdapters(config: WorkerConfig, docker = new Docker()): ActivityDeps {
  const { nginx } = config;
  const secrets = new ScopedSecrets(config.secretScope);
  // One host key: the secrets' digest, and the proof that a container is sluice's (each hashes its own domain).
  const key = 'value' in config.secretDigestKey ? Buffer.from(config.secretDigestKey.value) : keyFromFile(config.secretDigestKey.file);
  const control = nginxControl(config, docker);
  return {
    runtime: new DockerRuntime(docker, { publishHost: config.publishHost, provenanceKey: key }),
    router: new NginxRouter({
      confDir: nginx.confDir,
      ...(nginx.nginxConfDir ? { nginxConfDir: nginx.nginxConfDir } : {}),
      adminPort: nginx.adminPort,
      listenAddress: nginx.listenAddress,
      control,
    }),
    prober: new HttpProber(),
    migrations: new KnexMigrationRunner({ root: config.migrationsRoot, secrets }),
    secrets,
    secretDigester: new HmacSecretDigester(key),
  };
}
