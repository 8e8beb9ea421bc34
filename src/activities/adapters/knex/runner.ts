/**
 * MigrationRunner on knex and PostgreSQL.
 *
 * A service's migrations live in `<root>/<directory>/expand` and `.../contract`
 * as knex migration files (`exports.up(knex)`, `exports.down(knex)`). Each
 * phase has its own knex table per service. Everything runs while this runner
 * holds a PostgreSQL advisory lock for the service, and every connection has
 * `lock_timeout` and `statement_timeout` set, so a migration waiting on a busy
 * table fails fast instead of queueing behind it and blocking the app's traffic.
 *
 * Rolling back expand undoes exactly the batch this deployment applied: the
 * batch number is recorded (in `sluice_migration_runs`) before the migrations
 * run, so a retry after a crash, or a rollback after one, knows what is whose.
 *
 * The database URL comes from the worker's environment (the variable the spec
 * names, if the worker's operator granted it to the service); it never passes
 * through Temporal.
 */
import knex, { type Knex } from 'knex';
import pg from 'pg';
import fs from 'node:fs';
import path from 'node:path';
import { FailureType } from '../../../shared/errors';
import { sleep } from '../../../timing/waits';
import { failure } from '../../failures';
import type { MigrationReport, MigrationRun, MigrationRunner, SecretResolver } from '../../ports';
import { SluiceMigrationSource } from './source';

export interface KnexRunnerOptions {
  /** Directory the spec's `migrations.directory` is relative to; `{service}` in it is the service's name (a root per service). */
  root: string;
  /** Where the database URL comes from: the service's granted environment. */
  secrets: SecretResolver;
}

const RUNS_TABLE = 'sluice_migration_runs';

interface PgError {
  code?: string;
  message: string;
}

/** Per-service knex table names: sluice_<service>_expand / _contract. */
export function migrationTable(service: string, phase: 'expand' | 'contract'): string {
  return `sluice_${service.replace(/-/g, '_')}_${phase}`;
}

export class KnexMigrationRunner implements MigrationRunner {
  constructor(private readonly options: KnexRunnerOptions) {}

  private directory(run: MigrationRun, phase: 'expand' | 'contract'): string {
    const root = path.resolve(this.options.root.replaceAll('{service}', run.service));
    const dir = path.resolve(root, run.settings.directory, phase);
    // The spec grammar already forbids "..": this is the second lock on the same door.
    if (!dir.startsWith(root + path.sep))
      throw failure(FailureType.invalidSpec, `migrations.directory "${run.settings.directory}" leaves the migrations root ${root}`);
    return dir;
  }

  private databaseUrl(run: MigrationRun): string {
    const found = this.options.secrets.fromEnv(run.service, run.settings.databaseUrlEnv);
    if ('problem' in found) throw failure(FailureType.secretUnavailable, `migrations.databaseUrlEnv: ${found.problem}`);
    if (found.value === '')
      throw failure(
        FailureType.secretUnavailable,
        `migrations.databaseUrlEnv: the worker's ${run.settings.databaseUrlEnv} is empty; set it to the database URL on the worker host`,
      );
    return found.value;
  }

  private connect(run: MigrationRun, url: string): Knex {
    const timeouts = `SET lock_timeout = ${Math.round(run.settings.lockTimeout)}; SET statement_timeout = ${Math.round(run.settings.statementTimeout)}`;
    return knex({
      client: 'pg',
      connection: url,
      pool: {
        min: 0,
        max: 3,
        afterCreate: (
          connection: { query: (sql: string, done: (error: Error | null) => void) => void },
          done: (error: Error | null, connection: unknown) => void,
        ) => connection.query(timeouts, (error) => done(error, connection)),
      },
      acquireConnectionTimeout: 10_000,
    });
  }

  async run(run: MigrationRun, onProgress: (detail: string) => void, signal: AbortSignal): Promise<MigrationReport> {
    const url = this.databaseUrl(run);
    const db = this.connect(run, url);
    try {
      const lock = await this.lock(url, run.service, onProgress, signal);
      try {
        await this.recoverKnexLock(db, run);
        switch (run.direction) {
          case 'expand':
            return await this.expand(db, run, onProgress);
          case 'rollbackExpand':
            return await this.rollbackExpand(db, run, onProgress);
          case 'contract':
            return await this.latest(db, run, 'contract', onProgress);
        }
      } finally {
        await lock.release();
      }
    } catch (error) {
      throw this.explain(run, error);
    } finally {
      await db.destroy();
    }
  }

  /** A session advisory lock on a connection of its own, held until release (or until the worker dies and the session ends). */
  private async lock(
    url: string,
    service: string,
    onProgress: (detail: string) => void,
    signal: AbortSignal,
  ): Promise<{ release: () => Promise<void> }> {
    const session = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    await session.connect();
    try {
      for (;;) {
        const { rows } = await session.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [
          `sluice:${service}`,
        ]);
        if (rows[0]?.locked) break;
        if (signal.aborted) throw signal.reason as Error;
        onProgress(`waiting for the migration lock of ${service}`);
        await sleep(500);
      }
    } catch (error) {
      await session.end();
      throw error;
    }
    return { release: () => session.end() };
  }

  /**
   * knex keeps a lock row of its own, committed outside any transaction by `rollback` and by
   * `latest` when a file uses `transaction: false`; a worker killed in between leaves it set and
   * every later run fails with MigrationLocked. The advisory lock held here already keeps every
   * other sluice runner of the service out, so a set knex lock can only be such a leftover.
   */
  private async recoverKnexLock(db: Knex, run: MigrationRun): Promise<void> {
    const phase = run.direction === 'contract' ? 'contract' : 'expand';
    await db.migrate.forceFreeMigrationsLock({ tableName: migrationTable(run.service, phase) });
  }

  private config(run: MigrationRun, phase: 'expand' | 'contract', onProgress: (detail: string) => void): Knex.MigratorConfig {
    return {
      tableName: migrationTable(run.service, phase),
      migrationSource: new SluiceMigrationSource(this.directory(run, phase), { progress: onProgress }),
    };
  }

  private async latest(
    db: Knex,
    run: MigrationRun,
    phase: 'expand' | 'contract',
    onProgress: (detail: string) => void,
  ): Promise<MigrationReport> {
    if (!fs.existsSync(this.directory(run, phase))) return { direction: run.direction, applied: [] };
    const [, applied] = (await db.migrate.latest(this.config(run, phase, onProgress))) as [number, string[]];
    return { direction: run.direction, applied };
  }

  private async expand(db: Knex, run: MigrationRun, onProgress: (detail: string) => void): Promise<MigrationReport> {
    await this.ensureRunsTable(db);
    const table = migrationTable(run.service, 'expand');
    const recorded = await db(RUNS_TABLE)
      .where({ deployment: run.deployment, service: run.service, phase: 'expand' })
      .first<{ batch: number } | undefined>();
    if (!recorded) {
      const hasTable = await db.schema.hasTable(table);
      const last = hasTable ? ((await db(table).max<{ max: number | null }>('batch as max').first())?.max ?? 0) : 0;
      await db(RUNS_TABLE).insert({ deployment: run.deployment, service: run.service, phase: 'expand', batch: last + 1 });
    }
    return this.latest(db, run, 'expand', onProgress);
  }

  private async rollbackExpand(db: Knex, run: MigrationRun, onProgress: (detail: string) => void): Promise<MigrationReport> {
    await this.ensureRunsTable(db);
    const table = migrationTable(run.service, 'expand');
    const recorded = await db(RUNS_TABLE)
      .where({ deployment: run.deployment, service: run.service, phase: 'expand' })
      .first<{ batch: number } | undefined>();
    if (!recorded || !(await db.schema.hasTable(table))) return { direction: run.direction, applied: [] };
    const last = (await db(table).max<{ max: number | null }>('batch as max').first())?.max ?? 0;
    if (last > recorded.batch) {
      throw failure(
        FailureType.migrationFailed,
        `cannot roll back expand batch ${recorded.batch} of ${run.service}: a newer batch ${last} ran after it; roll that back first`,
      );
    }
    const [, undone] =
      last === recorded.batch ? ((await db.migrate.rollback(this.config(run, 'expand', onProgress))) as [number, string[]]) : [0, []];
    await db(RUNS_TABLE).where({ deployment: run.deployment, service: run.service, phase: 'expand' }).delete();
    return { direction: run.direction, applied: undone };
  }

  private async ensureRunsTable(db: Knex): Promise<void> {
    await db.raw(
      `create table if not exists ${RUNS_TABLE} (deployment text not null, service text not null, phase text not null, batch integer not null, recorded_at timestamptz not null default now(), primary key (deployment, service, phase))`,
    );
  }

  /** SQL errors become failures a person can act on; lock timeouts stay retryable (the lock may free up). */
  private explain(run: MigrationRun, error: unknown): unknown {
    if ((error as { type?: string }).type) return error; // already an ApplicationFailure
    const pg = error as PgError;
    if (/migration directory is corrupt/i.test(pg.message)) {
      return failure(
        FailureType.migrationFailed,
        `${pg.message} (in ${run.settings.directory}): every migration that ever ran must stay in the directory; restore the missing files`,
      );
    }
    if (pg.code === '55P03') {
      return new Error(
        `${run.direction} migration of ${run.service} gave up waiting for a table lock after lock_timeout ${run.settings.lockTimeout} ms (the app keeps running; sluice retries): ${pg.message}`,
        { cause: error },
      );
    }
    if (pg.code === '57014') {
      return failure(
        FailureType.migrationFailed,
        `${run.direction} migration of ${run.service} ran longer than statement_timeout ${run.settings.statementTimeout} ms: ${pg.message}`,
      );
    }
    if (pg.code && /^[0-9A-Z]{5}$/.test(pg.code) && !isConnectionTrouble(error)) {
      return failure(FailureType.migrationFailed, `${run.direction} migration of ${run.service} failed (${pg.code}): ${pg.message}`);
    }
    if (isConnectionTrouble(error)) return error; // retried: the database may come back
    // Thrown by a migration file's own code: the same file fails the same way on every retry.
    return failure(FailureType.migrationFailed, `${run.direction} migration of ${run.service} failed: ${pg.message}`);
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The database or the way to it failed, not the migration: worth retrying. */
function isConnectionTrouble(error: unknown): boolean {
  const { code, name, message } = error as { code?: string; name?: string; message?: string };
  if (code && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03')) return true;
  return (
    name === 'KnexTimeoutError' ||
    /connection terminated|timeout acquiring a connection|connection (?:refused|reset)|server closed the connection/i.test(message ?? '')
  );
}
