import { describe, expect, it } from 'vitest';
import { createActivities } from '../../../src/activities';
import type { MigrationRunner } from '../../../src/activities/ports';
import { runActivity } from '../../support/activity';
import { FakeProber, FakeRouter, FakeRuntime, fakeSecrets, replica } from '../../support/fake-ports';

const migrations: MigrationRunner = { run: async (input) => ({ direction: input.direction, applied: [] }) };

describe('createActivities', () => {
  it('registers every activity the workflows call, by name', () => {
    const activities = createActivities({
      runtime: new FakeRuntime(),
      router: new FakeRouter(),
      prober: new FakeProber(),
      migrations,
      secrets: fakeSecrets(),
      secretDigester: { digest: () => 'd' },
    });
    expect(Object.keys(activities).sort()).toEqual(
      [
        'measureRelease',
        'migrate',
        'observeAndPlan',
        'observeService',
        'prepareRouter',
        'removeReplicas',
        'route',
        'startReplicas',
        'stopReplicas',
        'waitHealthy',
      ].sort(),
    );
  });

  it('passes the replica options on (a worker that encrypts withholds container logs)', async () => {
    const runtime = new FakeRuntime([replica('v2', 0, { state: 'exited', address: undefined })]);
    runtime.containerOutput = 'SECRET=1';
    const activities = createActivities(
      {
        runtime,
        router: new FakeRouter(),
        prober: new FakeProber(),
        migrations,
        secrets: fakeSecrets(),
        secretDigester: { digest: () => 'd' },
      },
      { containerLogs: 'withhold' },
    );
    const health = {
      path: '/',
      expectStatus: 200,
      interval: 5,
      timeout: 100,
      healthyThreshold: 1,
      unhealthyThreshold: 1,
      startPeriod: 0,
      useDockerHealthcheck: false,
    };
    const error = (await runActivity(activities.waitHealthy, { service: 'web', release: 'v2', slots: [0], health }).catch(
      (e: unknown) => e,
    )) as { type?: string; details?: unknown };
    expect(error.type).toBe('ReplicaUnhealthy');
    expect(JSON.stringify(error.details)).not.toContain('SECRET=1');
  });
});
