/**
 * The Temporal connection, from the environment, the same for the CLI and the
 * worker: a local dev server, a self-hosted cluster with mTLS, or Temporal
 * Cloud with an API key.
 */
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import { clientDataConverter } from '../codec/aes-gcm';
import { SettingError } from '../shared/errors';

export interface TemporalSettings {
  address: string;
  namespace: string;
  tls?: { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

function readFile(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const file = env[name];
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new SettingError(`${name}=${file} cannot be read (${(error as NodeJS.ErrnoException).code}): point it at the PEM file`, {
      cause: error,
    });
  }
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const crt = readFile(env, 'TEMPORAL_TLS_CERT');
  const key = readFile(env, 'TEMPORAL_TLS_KEY');
  if (!!crt !== !!key)
    throw new SettingError('set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (the client certificate and its key), or neither');
  const ca = readFile(env, 'TEMPORAL_TLS_CA');
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const wantsTls = !!(crt || ca || apiKey || env.TEMPORAL_TLS === 'true');
  return {
    address: env.TEMPORAL_ADDRESS || 'localhost:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    ...(wantsTls
      ? {
          tls: {
            ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
            ...(ca ? { serverRootCACertificate: ca } : {}),
            ...(crt && key ? { clientCertPair: { crt, key } } : {}),
          },
        }
      : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.address,
    ...(settings.tls ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    connectTimeout: 5000,
  });
  const dataConverter = clientDataConverter();
  return new Client({ connection, namespace: settings.namespace, ...(dataConverter ? { dataConverter } : {}) });
}

/** The Web UI page of a deployment: SLUICE_TEMPORAL_UI, Temporal Cloud's UI, or the dev server's UI next to a local address. */
export function workflowUrl(settings: TemporalSettings, workflowId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = `/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  if (env.SLUICE_TEMPORAL_UI) return `${env.SLUICE_TEMPORAL_UI.replace(/\/$/, '')}${path}`;
  if (settings.address.endsWith('.tmprl.cloud:7233')) return `https://cloud.temporal.io${path}`;
  const local = /^(localhost|127\.0\.0\.1):(\d+)$/.exec(settings.address);
  return local ? `http://${local[1]}:${Number(local[2]) + 1000}${path}` : undefined;
}
