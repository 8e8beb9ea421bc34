/**
 * Knex migration files of one phase directory, each given a second argument:
 * `exports.up = async (knex, sluice) => { ...; sluice.progress('batch 3/10') }`.
 * Long backfills declare `exports.config = { transaction: false }` and work in
 * batches, reporting progress that the activity heartbeats.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Knex } from 'knex';

export interface MigrationContext {
  progress: (detail: string) => void;
}

interface MigrationModule {
  up: (knex: Knex, sluice: MigrationContext) => Promise<unknown>;
  down: (knex: Knex, sluice: MigrationContext) => Promise<unknown>;
  config?: { transaction?: boolean };
}

const EXTENSIONS = ['.js', '.cjs'];

/** Migration files are CommonJS modules of the user's; loading them needs a real require (and its cache, to see edits). */
const load = createRequire(__filename);

export class SluiceMigrationSource implements Knex.MigrationSource<string> {
  constructor(
    private readonly directory: string,
    private readonly context: MigrationContext,
  ) {}

  async getMigrations(): Promise<string[]> {
    if (!fs.existsSync(this.directory)) return [];
    return fs
      .readdirSync(this.directory)
      .filter((file) => EXTENSIONS.includes(path.extname(file)))
      .sort();
  }

  getMigrationName(migration: string): string {
    return migration;
  }

  async getMigration(migration: string): Promise<Knex.Migration> {
    const file = path.join(this.directory, migration);
    // Fresh on every run: a worker that lives across deployments must see edited files.
    delete load.cache[load.resolve(file)];
    const module = load(file) as MigrationModule;
    if (typeof module.up !== 'function' || typeof module.down !== 'function') {
      throw new Error(`migration ${file} must export up(knex) and down(knex)`);
    }
    return {
      up: (knex: Knex) => module.up(knex, this.context),
      down: (knex: Knex) => module.down(knex, this.context),
      ...(module.config ? { config: module.config } : {}),
    };
  }
}
