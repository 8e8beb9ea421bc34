import { describe, expect, it } from 'vitest';
import { type DeployResult } from '../../src/shared/messages';
import { hostDeploymentWorkflowId } from '../../src/shared/names';
import { FakeWorld } from './support/fake-world';
import { uniqueSpec } from './support/harness';
import { timeSkippingSuite } from './support/suite';

/**
 * A host left by its fleet deployment: in a test server of its own, whose clock skips the 15 minutes
 * a host waits between two checks on its fleet (workflows other tests leave waiting on a worker hold
 * the clock of a shared one).
 */
const suite = timeSkippingSuite();
const world = () => new FakeWorld({ release: 'v1', slots: [0, 1] });

describe('a fleet deployment that was terminated', () => {
  it('a host left waiting at the fleet gate by a fleet deployment that was terminated rolls itself back', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    // It makes sure the fleet still runs every 15 minutes (hostLostAfter, if longer).
    const fleet = { pauseBetweenWaves: 'promote', hostLostAfter: '2s' };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), fleet });
    const result = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'betweenWaves');
      await handle.terminate('an operator ended it by hand');
      const host = suite.env().client.workflow.getHandle(hostDeploymentWorkflowId(deployment.spec.service, 'host-1'));
      return (host.result() as Promise<DeployResult>).catch((error: { cause?: { details?: DeployResult[] } }) => error.cause?.details?.[0]);
    });
    expect(result).toMatchObject({
      outcome: 'aborted',
      reason: expect.stringMatching(/^aborted by sluice: the fleet deployment deploy\/.* ended without letting this host finish$/),
    });
    expect(Object.keys(hosts['host-1'].routing.weights)).toEqual(['v1']);
    expect(hosts['host-1'].running.get('v1')).toEqual(new Set([0, 1]));
  });

  it('a host waiting at a canary pause of a terminated fleet rolls itself back too (nobody could promote it)', async () => {
    const hosts = { 'host-1': world(), 'host-2': world() };
    const strategy = { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] };
    const deployment = uniqueSpec({ replicas: 2, hosts: Object.keys(hosts), strategy });
    const results = await suite.harness().withFleet(hosts, async (taskQueue) => {
      const handle = await suite.harness().start(taskQueue, deployment);
      await suite.harness().waitForGate(handle, 'canaryPause');
      await handle.terminate('an operator ended it by hand');
      return Promise.all(
        Object.keys(hosts).map((name) =>
          (
            suite.env().client.workflow.getHandle(hostDeploymentWorkflowId(deployment.spec.service, name)).result() as Promise<DeployResult>
          ).catch((error: { cause?: { details?: DeployResult[] } }) => error.cause?.details?.[0]),
        ),
      );
    });
    expect(results.map((result) => result?.outcome)).toEqual(['aborted', 'aborted']);
    for (const host of Object.values(hosts)) expect(Object.keys(host.routing.weights)).toEqual(['v1']);
  });
});
