import { Context } from '@temporalio/activity';
import type { MigrationsSpec } from '../shared/spec';
import type { MigrationDirection } from '../workflows/planner/types';
import type { MigrationReport, MigrationRunner } from './ports';

/** Expand, contract, or roll back expand; progress (batches of a backfill) is heartbeated. */
export function createMigrationActivities(deps: { migrations: MigrationRunner }) {
  return {
    migrate: async (input: { service: string; direction: MigrationDirection; migrations: MigrationsSpec }): Promise<MigrationReport> => {
      const ctx = Context.current();
      return deps.migrations.run(input.service, input.direction, input.migrations, (detail) => ctx.heartbeat(detail), ctx.cancellationSignal);
    },
  };
}
