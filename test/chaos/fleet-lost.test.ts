import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentStatus } from '../../src/domain';
import { statusQuery, type DeployResult } from '../../src/shared/messages';
import { deploymentWorkflowId, hostDeploymentWorkflowId } from '../../src/shared/names';
import { isRoot } from '../../src/stack/system';
import { fleetWorld, type FleetWorld } from '../support/fleet';
import { stackValue } from '../support/stack';

/**
 * A host of a three-host fleet loses its worker for good, mid-deployment: with onHostLost: continue
 * the fleet releases on the others (no failed request through the front balancer: the lost host's
 * nginx and replicas still serve) and the lost host, once its worker is back, finishes the way the
 * fleet went. With onHostLost: rollback, a host lost before it touched anything rolls the fleet back.
 */
let fleet: FleetWorld;
let connection: Connection;
let client: Client;

const status = (workflowId: string) =>
  connection.withDeadline(Date.now() + 3000, () => client.workflow.getHandle(workflowId).query(statusQuery)).catch(() => undefined);

/** A deployment's result, from its value or from the failure that carries it. */
async function resultOf(workflowId: string): Promise<DeployResult> {
  try {
    return (await client.workflow.getHandle(workflowId).result()) as DeployResult;
  } catch (error) {
    if (error instanceof WorkflowFailedError) return (error.cause as { details?: DeployResult[] }).details![0]!;
    throw error;
  }
}

describe.skipIf(!isRoot())('a fleet host whose worker is lost', () => {
  beforeAll(async () => {
    fleet = await fleetWorld('fleet-lost', { hosts: 3 });
    connection = await Connection.connect({ address: stackValue('TEMPORAL_ADDRESS') });
    client = new Client({ connection, namespace: stackValue('TEMPORAL_NAMESPACE') });
    const first = await fleet.sluice(['deploy', fleet.spec('v1'), '--wait']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await connection?.close();
    await fleet?.close();
  });

  it('onHostLost: continue: host-3 lost mid-deployment, the fleet releases on host-1 and host-2, and host-3 finishes once its worker is back', async () => {
    const [host1, host2, host3] = fleet.hosts;
    const worker3 = fleet.workers[2]!;
    let deploy = { code: -1 as number | null, stdout: '', stderr: '' };
    const load = await fleet.underLoad(async () => {
      const deploying = fleet
        .sluice(['deploy', fleet.spec('v2', { fleet: { hostsAtOnce: 1, onHostLost: 'continue', hostLostAfter: '5s' } }), '--wait'])
        .then((run) => (deploy = run));
      // Once host-3's deployment has begun its steps, its worker stops and stays stopped.
      const host3Deployment = hostDeploymentWorkflowId(fleet.service, host3!.name);
      for (let seen: DeploymentStatus | undefined; !(seen?.step && seen.step.number >= 2);) {
        seen = await status(host3Deployment);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await worker3.kill('SIGKILL');
      await deploying;
    });
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    const fleetResult = await resultOf(deploymentWorkflowId(fleet.service));
    expect(fleetResult).toMatchObject({ outcome: 'released', reason: 'host-3 lost: it releases once its worker is back' });
    expect(fleetResult.hosts?.map((host) => [host.name, host.state])).toEqual([
      ['host-1', 'released'],
      ['host-2', 'released'],
      ['host-3', 'lost'],
    ]);
    expect(fleetResult.hosts?.[2]?.reason).toBe('no worker of host-3 took its work for 5s');
    for (const host of [host1!, host2!]) expect(await fleet.imagesOn(host)).toEqual([fleet.image('v2')]);
    expect(load).toMatchObject({ failed: 0 });

    // Its worker back, host-3's deployment goes on from where it stood, to the release the fleet released.
    worker3.start();
    const back = await resultOf(hostDeploymentWorkflowId(fleet.service, host3!.name));
    expect(back.outcome).toBe('released');
    expect(await fleet.answers(host3!)).toContain('hello from v2');
    expect(await fleet.imagesOn(host3!)).toEqual([fleet.image('v2')]);
  }, 900_000);

  it('onHostLost: rollback: host-2 lost before it touched anything, the fleet rolls host-1 back and names host-2', async () => {
    const [host1, host2] = fleet.hosts;
    await fleet.workers[1]!.kill('SIGKILL');
    try {
      const deploy = await fleet.sluice(['deploy', fleet.spec('v3', { fleet: { hostsAtOnce: 1, hostLostAfter: '5s' } }), '--wait']);
      expect(deploy.code, deploy.stdout + deploy.stderr).not.toBe(0);
      const result = await resultOf(deploymentWorkflowId(fleet.service));
      expect(result).toMatchObject({ outcome: 'rolledBack', reason: 'host-2 lost: no worker of host-2 took its work for 5s' });
      expect(deploy.stdout + deploy.stderr).toContain('host-2 lost: no worker of host-2 took its work for 5s');
      expect(await fleet.answers(host1!)).toContain('hello from v2');
      expect(await fleet.imagesOn(host1!)).toEqual([fleet.image('v2')]);
      expect(await fleet.imagesOn(host2!)).toEqual([fleet.image('v2')]);
    } finally {
      fleet.workers[1]!.start();
    }
  }, 900_000);
});
