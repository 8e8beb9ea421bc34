import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { startDocker, stopDocker } from '../../src/stack/docker';
import { stackSettings } from '../../src/stack/settings';
import { startTemporal, stopTemporal } from '../../src/stack/temporal';
import { fixtureImage } from '../../src/stack/fixtures';
import { chaosWorld, type ChaosWorld } from './support';

/**
 * The parts under sluice restarted mid-deployment: the Temporal dev server
 * (with its database file), and dockerd. The deployment reaches the outcome it
 * would have reached anyway, with no orphan left.
 */
const settings = stackSettings(process.env, path.resolve(__dirname, '..', '..'));
const spec = (image: string, strategy: Record<string, unknown>) => ({
  image,
  replicas: 3,
  port: 8080,
  health: { path: '/ready', interval: '200ms', startPeriod: '5s' },
  env: { FIXTURE_READY_DELAY_MS: '1500' },
  progressDeadline: '3m',
  strategy,
});

describe('restarts under a deployment', () => {
  let world: ChaosWorld;
  afterAll(async () => world?.close());

  it('the Temporal server stopped and started again (same database) at a gate and mid-step: released, no failed request', async () => {
    world = await chaosWorld('temporal-restart');
    expect((await world.follow(await world.start(spec(fixtureImage('v1'), { type: 'rolling' })))).outcome).toBe('released');
    const load = world.load();
    let restarts = 0;
    const handle = await world.start(
      spec(fixtureImage('v2'), {
        type: 'canary',
        steps: [{ setWeight: 30 }, { pause: { duration: '3s' } }, { setWeight: 60 }, { pause: {} }],
      }),
    );
    const result = await world.follow(handle, async (status) => {
      // Once during a timed pause (a durable timer), once during a health wait (an activity in flight).
      if ((restarts === 0 && status.phase === 'paused') || (restarts === 1 && status.phase === 'starting')) {
        restarts++;
        await stopTemporal(settings);
        await new Promise((resolve) => setTimeout(resolve, 2000));
        await startTemporal(settings);
      }
    });
    const summary = await load.stop();
    expect(restarts).toBe(2);
    expect(result.outcome).toBe('released');
    expect(await world.servedBy()).toEqual(new Set(['v2']));
    expect(await world.orphans()).toEqual([]);
    expect(summary.failed).toBe(0);
  });

  // This test restarts dockerd, which only makes sense when the stack started it (as in CI); a system dockerd is left alone.
  it.skipIf(!fs.existsSync(path.join(settings.stateDir, 'docker', 'dockerd.pid')))(
    'dockerd restarted mid-deployment: activities retry, released, replicas back at their addresses, no orphan',
    async () => {
      await world?.close();
      world = await chaosWorld('dockerd-restart');
      expect((await world.follow(await world.start(spec(fixtureImage('v1'), { type: 'rolling' })))).outcome).toBe('released');
      let restarted = false;
      const result = await world.follow(await world.start(spec(fixtureImage('v2'), { type: 'rolling' })), async (status) => {
        if (!restarted && status.step && status.step.number >= 4) {
          restarted = true;
          await stopDocker(settings);
          await startDocker(settings);
        }
      });
      expect(restarted).toBe(true);
      // With its reason: a rollback here says which step could not take the restart.
      expect({ outcome: result.outcome, reason: result.reason }).toEqual({ outcome: 'released', reason: undefined });
      // Containers came back with restart policy unless-stopped, at the ports nginx knows.
      const deadline = Date.now() + 30_000;
      let served = new Set<string>();
      while (Date.now() < deadline && !(served.size === 1 && served.has('v2')))
        served = await world.servedBy().catch(() => new Set<string>());
      expect(served).toEqual(new Set(['v2']));
      expect(await world.orphans()).toEqual([]);
    },
  );
});
