import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MissingPrerequisite } from './errors';
import type { StackSettings } from './settings';
import { aptInstall, type CommandResult, isRoot, run, runChecked, waitUntil } from './system';

/**
 * PostgreSQL for migrations: DATABASE_URL when it is set and answers, else a
 * cluster of our own on loopback (trust auth, local development only).
 * PostgreSQL refuses to run as root, so as root the cluster runs as the
 * `postgres` user, in a directory that user can reach.
 */
export interface PostgresEndpoint {
  url: string;
  startedByStack: boolean;
}

const SYSTEM_USER = 'postgres';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return path.join(root, newest, 'bin');
  aptInstall(['postgresql'], 'PostgreSQL is needed for migrations');
  return binDir();
}

/** Runs a PostgreSQL binary as the user that owns the cluster. */
function runAsOwner(command: string, args: string[]): CommandResult {
  return isRoot() ? run('runuser', ['-u', SYSTEM_USER, '--', command, ...args]) : run(command, args);
}

function runAsOwnerChecked(command: string, args: string[]): void {
  const result = runAsOwner(command, args);
  if (result.status !== 0) throw new Error(`${path.basename(command)} ${args[0]} failed: ${(result.stderr || result.stdout).trim()}`);
}

/** The data directory: under the state dir when the owner can reach it, else a per-checkout dir in /var/tmp. */
function dataDir(settings: StackSettings): string {
  const preferred = path.join(settings.stateDir, 'postgres');
  if (!isRoot()) return preferred;
  const probe = run('runuser', ['-u', SYSTEM_USER, '--', 'test', '-x', settings.stateDir]);
  if (probe.status === 0) return preferred;
  const id = crypto.createHash('sha256').update(settings.stateDir).digest('hex').slice(0, 12);
  return path.join(os.tmpdir() === '/tmp' ? '/var/tmp' : os.tmpdir(), `sluice-postgres-${id}`);
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPostgres(settings: StackSettings): Promise<PostgresEndpoint> {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    if (await answers(configured)) return { url: configured, startedByStack: false };
    throw new MissingPrerequisite(
      "DATABASE_URL is set but the database does not answer: start it, fix the URL, or unset DATABASE_URL to use the stack's own PostgreSQL",
    );
  }
  const { port, database, user } = settings.postgres;
  const url = `postgres://${user}@127.0.0.1:${port}/${database}`;
  const bin = binDir();
  const data = dataDir(settings);
  const logFile = path.join(data, 'server.log');
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    fs.mkdirSync(data, { recursive: true, mode: 0o700 });
    if (isRoot()) runChecked('chown', [SYSTEM_USER, data]);
    runAsOwnerChecked(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--auth=trust', '--encoding=UTF8', '--no-instructions']);
  }
  if (runAsOwner(path.join(bin, 'pg_ctl'), ['status', '-D', data]).status !== 0) {
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${data} -c fsync=off -c max_connections=200`;
    runAsOwnerChecked(path.join(bin, 'pg_ctl'), ['start', '-D', data, '-l', logFile, '-w', '-t', '60', '-o', options]);
  }
  const admin = `postgres://${user}@127.0.0.1:${port}/postgres`;
  await waitUntil(`PostgreSQL on 127.0.0.1:${port}`, () => answers(admin), { timeoutMs: 30_000, logFile });
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database ${database}`);
  } finally {
    await client.end();
  }
  fs.writeFileSync(path.join(settings.stateDir, 'postgres.datadir'), `${data}\n`);
  return { url, startedByStack: true };
}

export async function stopPostgres(settings: StackSettings): Promise<boolean> {
  const marker = path.join(settings.stateDir, 'postgres.datadir');
  if (!fs.existsSync(marker)) return false;
  const data = fs.readFileSync(marker, 'utf8').trim();
  const stopped = runAsOwner(path.join(binDir(), 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']).status === 0;
  fs.rmSync(marker, { force: true });
  return stopped;
}
