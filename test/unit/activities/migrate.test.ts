import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createMigrationActivities } from '../../../src/activities/migrate';
import type { MigrationRun, MigrationRunner } from '../../../src/activities/ports';
import { activityEnvironment, runActivityIn } from '../../support/activity';

const run: MigrationRun = {
  service: 'web',
  deployment: 'deploy/web/run-1',
  direction: 'expand',
  settings: { directory: 'migrations', databaseUrlEnv: 'WEB_DB' } as MigrationRun['settings'],
};

/** A runner driven by the test: it reports progress, then waits for `finish` (or the signal). */
function controlledRunner() {
  let progress: (detail: string) => void = () => undefined;
  let finish: (applied: string[]) => void = () => undefined;
  let received: { run?: MigrationRun; signal?: AbortSignal } = {};
  const runner: MigrationRunner = {
    run: (input, onProgress, signal) => {
      received = { run: input, signal };
      progress = onProgress;
      return new Promise((resolve, reject) => {
        finish = (applied) => resolve({ direction: input.direction, applied });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    },
  };
  return { runner, report: (detail: string) => progress(detail), finish: (applied: string[]) => finish(applied), received: () => received };
}

describe('migrate', () => {
  it("runs the migration, heartbeating what runs at once and then the runner's latest progress; returns its report", async () => {
    const runner = controlledRunner();
    const { migrate } = createMigrationActivities({ migrations: runner.runner });
    const environment = activityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    const migrating = runActivityIn(environment, migrate, run);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.received().run).toEqual(run);
    runner.report('backfill: 1000 of 5000 rows');
    runner.finish(['001_add_column.js']);
    expect(await migrating).toEqual({ direction: 'expand', applied: ['001_add_column.js'] });
    expect(beats).toEqual(['expand migrations of web', 'backfill: 1000 of 5000 rows']);
  });

  it('cancellation reaches the runner through its signal', async () => {
    const runner = controlledRunner();
    const { migrate } = createMigrationActivities({ migrations: runner.runner });
    const environment = activityEnvironment();
    const migrating = runActivityIn(environment, migrate, run);
    await new Promise((resolve) => setImmediate(resolve));
    environment.cancel();
    expect(await migrating.catch((e: unknown) => e)).toBeInstanceOf(CancelledFailure);
    expect(runner.received().signal?.aborted).toBe(true);
  });

  it("a failing migration fails the activity with the runner's error", async () => {
    const failing: MigrationRunner = { run: async () => Promise.reject(new Error('relation "people" does not exist')) };
    const error = await runActivityIn(activityEnvironment(), createMigrationActivities({ migrations: failing }).migrate, run).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ message: 'relation "people" does not exist' });
  });
});
