import { defineConfig } from 'vitest/config';

/**
 * One vitest project per test layer (mirrors test/). Every layer runs in forked
 * processes: the Temporal worker's native bridge and dockerode sockets do not
 * belong in shared worker threads.
 */
const layer = (name: string, timeoutMs: number) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], testTimeout: timeoutMs, hookTimeout: timeoutMs },
});

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['test/support/setup.ts'],
    projects: [layer('unit', 10_000), layer('workflows', 60_000), layer('replay', 60_000), layer('integration', 180_000), layer('e2e', 600_000)],
  },
});
