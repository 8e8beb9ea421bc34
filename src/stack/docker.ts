import Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import { LABELS, MANAGED_BY_VALUE } from '../shared/names';
import { MissingPrerequisite } from './errors';
import type { StackSettings } from './settings';
import { aptInstall, isRoot, readPid, startDaemon, stopDaemon, waitUntil, which } from './system';

/**
 * Docker Engine: use the one DOCKER_HOST or the local socket points at when it
 * answers; otherwise (root on Debian) install docker.io and start dockerd
 * ourselves, and remember that we did so `stack:down` stops only what it started.
 */
export interface DockerEndpoint {
  host: string;
  startedByStack: boolean;
}

function files(stateDir: string) {
  const dir = path.join(stateDir, 'docker');
  return { dir, logFile: path.join(dir, 'dockerd.log'), pidFile: path.join(dir, 'dockerd.pid') };
}

export async function dockerAnswers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

const LOCAL_SOCKET = 'unix:///var/run/docker.sock';

export async function startDocker(settings: StackSettings): Promise<DockerEndpoint> {
  // The local socket is the stack's to manage, even when stack.env has put it into DOCKER_HOST.
  const configured = process.env.DOCKER_HOST && process.env.DOCKER_HOST !== LOCAL_SOCKET ? process.env.DOCKER_HOST : undefined;
  const docker = new Docker({ timeout: 2000 });
  const f = files(settings.stateDir);
  if (await dockerAnswers(docker)) {
    return { host: configured ?? LOCAL_SOCKET, startedByStack: readPid(f.pidFile) !== undefined };
  }
  if (configured) {
    throw new MissingPrerequisite(
      `DOCKER_HOST=${configured} does not answer: start that Docker Engine or unset DOCKER_HOST to use the local socket`,
    );
  }
  if (!isRoot()) {
    throw new MissingPrerequisite(
      'Docker Engine is not running on /var/run/docker.sock: install and start it (e.g. sudo apt-get install -y docker.io && sudo dockerd &), or set DOCKER_HOST',
    );
  }
  if (!which('dockerd')) aptInstall(['docker.io'], 'Docker Engine is not installed');
  fs.mkdirSync(f.dir, { recursive: true });
  startDaemon('dockerd', ['--host', 'unix:///var/run/docker.sock'], f);
  await waitUntil('dockerd to answer on /var/run/docker.sock', () => dockerAnswers(docker), { timeoutMs: 60_000, logFile: f.logFile });
  return { host: LOCAL_SOCKET, startedByStack: true };
}

/** Removes every container sluice labelled on that Docker Engine (the local one by default), whatever deployment made it. */
export async function removeSluiceContainers(docker = new Docker({ timeout: 10_000 })): Promise<number> {
  if (!(await dockerAnswers(docker))) return 0;
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return containers.length;
}

export async function stopDocker(settings: StackSettings): Promise<boolean> {
  return stopDaemon(files(settings.stateDir).pidFile, 'dockerd', 30_000);
}
