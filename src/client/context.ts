/** What every verb gets: output, the Temporal settings (flags over env), a lazily connected client, who is acting. */
import type { Client } from '@temporalio/client';
import os from 'node:os';
import { DEFAULT_TASK_QUEUE } from '../shared/names';
import { connectClient, temporalSettings, type TemporalSettings } from '../temporal/connection';
import { toCliError } from './errors';
import type { Output } from './output';

export interface GlobalOptions {
  json?: boolean;
  address?: string;
  namespace?: string;
  taskQueue?: string;
}

export interface CliContext {
  out: Output;
  settings: TemporalSettings;
  taskQueue: string;
  env: NodeJS.ProcessEnv;
  client(): Promise<Client>;
  /** Who sends a message or starts a deployment: SLUICE_ACTOR, else CI's identity, else user@host. */
  actor(): string;
}

export function actorFrom(env: NodeJS.ProcessEnv): string {
  if (env.SLUICE_ACTOR) return env.SLUICE_ACTOR;
  if (env.GITHUB_ACTIONS === 'true') return `github:${env.GITHUB_ACTOR ?? 'unknown'} (run ${env.GITHUB_RUN_ID ?? '?'})`;
  if (env.CI) return `ci:${env.CI_JOB_ID ?? env.BUILD_ID ?? 'job'}`;
  return `${os.userInfo().username}@${os.hostname()}`;
}

export function createContext(out: Output, options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): CliContext {
  const settings = {
    ...temporalSettings(env),
    ...(options.address ? { address: options.address } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  };
  let connected: Promise<Client> | undefined;
  return {
    out,
    settings,
    env,
    taskQueue: options.taskQueue ?? env.SLUICE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    client: () =>
      (connected ??= connectClient(settings).catch((error: unknown) => Promise.reject(toCliError(error, { address: settings.address })))),
    actor: () => actorFrom(env),
  };
}
