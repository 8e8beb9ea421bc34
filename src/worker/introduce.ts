/**
 * A fleet host's worker introduces its host to its fleet's host registry when it starts
 * (signal-with-start: the first worker of a fleet starts the registry). `sluice hosts` lists
 * what the workers said; a failure here is logged and never stops the worker.
 */
import type { Client } from '@temporalio/client';
import type Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KnownHost } from '../domain';
import { HOST_REGISTRY_WORKFLOW_TYPE, hostSeenSignal } from '../shared/messages';
import { hostRegistryWorkflowId, hostTaskQueue, LABELS, MANAGED_BY_VALUE } from '../shared/names';
import type { NginxControl } from '../activities/adapters/nginx/control';

/** The version in sluice's package.json (src/worker and dist/worker both sit two levels under it). */
export function sluiceVersion(): string {
  const manifest = path.resolve(__dirname, '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

async function dockerVersion(docker: Docker): Promise<string> {
  try {
    return (await docker.version()).Version;
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

async function nginxVersion(nginx: NginxControl): Promise<string> {
  try {
    return await nginx.version();
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

/** The releases of sluice's running containers on the host, by service ("v1-…, v2-…" for one mid-deployment); none if Docker does not answer. */
async function runningReleases(docker: Docker): Promise<Record<string, string>> {
  const containers = await docker
    .listContainers({ filters: { label: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`] } })
    .catch((): Docker.ContainerInfo[] => []);
  const byService = new Map<string, Set<string>>();
  for (const { Labels: labels } of containers) {
    const service = labels[LABELS.service];
    const release = labels[LABELS.release];
    if (service && release) byService.set(service, (byService.get(service) ?? new Set()).add(release));
  }
  return Object.fromEntries(
    [...byService].sort(([a], [b]) => a.localeCompare(b)).map(([service, releases]) => [service, [...releases].sort().join(', ')]),
  );
}

export async function hostIntroduction(
  host: string,
  taskQueue: string,
  docker: Docker,
  nginx: NginxControl,
  now = new Date(),
): Promise<KnownHost> {
  return {
    name: host,
    taskQueue: hostTaskQueue(taskQueue, host),
    identity: `${process.pid}@${os.hostname()}`,
    sluiceVersion: sluiceVersion(),
    dockerVersion: await dockerVersion(docker),
    nginxVersion: await nginxVersion(nginx),
    releases: await runningReleases(docker),
    seenAt: now.toISOString(),
  };
}

export async function introduceHost(client: Client, taskQueue: string, introduction: KnownHost): Promise<void> {
  await client.workflow.signalWithStart(HOST_REGISTRY_WORKFLOW_TYPE, {
    workflowId: hostRegistryWorkflowId(taskQueue),
    taskQueue,
    args: [{}],
    signal: hostSeenSignal,
    signalArgs: [introduction],
  });
}
