import { Context } from '@temporalio/activity';
import type { MigrationReport, MigrationRun, MigrationRunner } from './ports';
import { keepHeartbeating } from './timing';

/**
 * Expand, contract, or roll back this deployment's expand. Heartbeats every few seconds (a
 * single long statement reports no progress of its own) with the latest progress detail
 * (batches of a backfill).
 */
export function createMigrationActivities(deps: { migrations: MigrationRunner }) {
  return {
    migrate: async (input: MigrationRun): Promise<MigrationReport> => {
      const ctx = Context.current();
      let detail = `${input.direction} migrations of ${input.service}`;
      const stop = keepHeartbeating(ctx, () => detail);
      try {
        return await deps.migrations.run(
          input,
          (progress) => {
            detail = progress;
            ctx.heartbeat(detail);
          },
          ctx.cancellationSignal,
        );
      } finally {
        stop();
      }
    },
  };
}
