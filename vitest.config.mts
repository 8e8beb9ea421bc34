import { defineConfig } from 'vitest/config';

/**
 * One vitest project per test layer (mirrors test/). Every layer runs in forked
 * processes: the Temporal worker's native bridge and dockerode sockets do not
 * belong in shared worker threads.
 */
const layer = (name: string, timeoutMs: number, globalSetup: string[] = [], extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], testTimeout: timeoutMs, hookTimeout: timeoutMs, globalSetup, ...extra },
});

/** Layers that run workflow code share one bundle, built once per run. */
const bundle = ['test/support/workflow-bundle.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['test/support/setup.ts'],
    projects: [
      layer('unit', 10_000),
      layer('workflows', 60_000, bundle),
      layer('replay', 60_000, bundle),
      layer('integration', 180_000, bundle),
      layer('e2e', 600_000),
      // Kills workers and restarts Temporal and dockerd: runs alone, one file at a time (`npm run test:chaos`).
      layer('chaos', 1_200_000, ['test/chaos/build.ts'], { fileParallelism: false }),
    ],
  },
});
