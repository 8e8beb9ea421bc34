import { Context } from '@temporalio/activity';
import type { MigrationReport, MigrationRun, MigrationRunner } from './ports';

/** Expand, contract, or roll back this deployment's expand; progress (batches of a backfill) is heartbeated. */
export function createMigrationActivities(deps: { migrations: MigrationRunner }) {
  return {
    migrate: async (input: MigrationRun): Promise<MigrationReport> => {
      const ctx = Context.current();
      return deps.migrations.run(input, (detail) => ctx.heartbeat(detail), ctx.cancellationSignal);
    },
  };
}
