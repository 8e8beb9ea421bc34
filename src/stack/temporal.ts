import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_NAMES, SEARCH_ATTRIBUTE_TYPE } from '../shared/names';
import type { StackSettings } from './settings';
import { portOpen, readPid, run, startDaemon, stopDaemon, waitUntil } from './system';
import { ensureTool } from './tools';

/** The Temporal CLI dev server: SQLite-persisted, Web UI on, sluice's search attributes registered. */
export interface TemporalEndpoint {
  address: string;
  namespace: string;
  uiUrl: string;
  cli: string;
}

function files(stateDir: string) {
  const dir = path.join(stateDir, 'temporal');
  return { dir, db: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'server.log'), pidFile: path.join(dir, 'server.pid') };
}

export async function startTemporal(settings: StackSettings): Promise<TemporalEndpoint> {
  const { port, uiPort, namespace } = settings.temporal;
  const cli = ensureTool('temporal', settings.stateDir);
  const f = files(settings.stateDir);
  const endpoint = { address: `127.0.0.1:${port}`, namespace, uiUrl: `http://127.0.0.1:${uiPort}`, cli };
  if (readPid(f.pidFile) !== undefined && (await temporalHealthy(cli, endpoint.address))) return endpoint;
  if (await portOpen(port)) {
    throw new Error(`port ${port} is taken by something that is not this stack's Temporal server: stop it or set SLUICE_TEMPORAL_PORT`);
  }
  fs.mkdirSync(f.dir, { recursive: true });
  const searchAttributes = Object.values(SEARCH_ATTRIBUTE_NAMES).flatMap((name) => [
    '--search-attribute',
    `${name}=${SEARCH_ATTRIBUTE_TYPE}`,
  ]);
  startDaemon(
    cli,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--db-filename',
      f.db,
      '--namespace',
      namespace,
      '--log-level',
      'warn',
      ...searchAttributes,
    ],
    f,
  );
  await waitUntil(`Temporal dev server on ${endpoint.address}`, () => temporalHealthy(cli, endpoint.address), {
    timeoutMs: 60_000,
    logFile: f.logFile,
  });
  return endpoint;
}

async function temporalHealthy(cli: string, address: string): Promise<boolean> {
  const port = Number(address.split(':')[1]);
  if (!(await portOpen(port))) return false;
  return run(cli, ['operator', 'cluster', 'health', '--address', address]).status === 0;
}

/** Whether this stack's Temporal server runs now (started by an earlier `stack:up` or `sluice dev`). */
export async function temporalRunning(settings: StackSettings): Promise<boolean> {
  return readPid(files(settings.stateDir).pidFile) !== undefined && (await portOpen(settings.temporal.port));
}

export async function stopTemporal(settings: StackSettings): Promise<boolean> {
  return stopDaemon(files(settings.stateDir).pidFile, 'temporal');
}
