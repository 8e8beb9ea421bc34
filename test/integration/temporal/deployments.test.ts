import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient, temporalSettings } from '../../../src/temporal/connection';
import { endedDeployment } from '../../../src/temporal/deployments';
import { DEPLOY_WORKFLOW_TYPE } from '../../../src/shared/messages';
import { deploymentWorkflowId } from '../../../src/shared/names';
import { stackValue, testServiceName } from '../../support/stack';

/** Reading deployments back from the real Temporal server: no worker, so runs stay where the test puts them. */
let client: Client;

beforeAll(async () => {
  client = await connectClient(
    temporalSettings({ TEMPORAL_ADDRESS: stackValue('TEMPORAL_ADDRESS'), TEMPORAL_NAMESPACE: stackValue('TEMPORAL_NAMESPACE') }),
  );
});
afterAll(async () => {
  await client?.connection.close();
});

describe('a finished deployment read back', () => {
  it('is the run that was described: a deployment started since (status raced with a deploy) is not waited for', async () => {
    const service = testServiceName('ended');
    const start = () =>
      client.workflow.start(DEPLOY_WORKFLOW_TYPE, {
        args: [{}],
        taskQueue: `nobody-${randomUUID()}`,
        workflowId: deploymentWorkflowId(service),
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
    const first = await start();
    await first.terminate('ended for the test');
    const described = await client.workflow.getHandle(deploymentWorkflowId(service)).describe();
    // The next deployment starts between `status`'s describe and its read of the result; no worker ever runs it.
    const next = await start();
    try {
      const timeout = new Promise<'waited for the next run'>((resolve) => setTimeout(() => resolve('waited for the next run'), 10_000));
      const ended = await Promise.race([endedDeployment(client, service, described.runId), timeout]);
      expect(ended).toEqual({ error: 'ended for the test' });
    } finally {
      await next.terminate('test over');
    }
  });
});
