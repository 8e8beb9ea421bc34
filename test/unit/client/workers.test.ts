import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { noWorkerMessage, workerPolling } from '../../../src/client/workers';

function clientWithPollers(pollers: unknown[] | undefined) {
  const asked: unknown[] = [];
  const client = {
    workflowService: { describeTaskQueue: async (request: unknown) => (asked.push(request), { pollers }) },
  } as unknown as Client;
  return { client, asked };
}

describe('workerPolling', () => {
  it('asks for the workflow pollers of the normal task queue in the namespace', async () => {
    const { client, asked } = clientWithPollers([{ identity: 'w1' }]);
    expect(await workerPolling(client, 'prod', 'deploys')).toBe(true);
    expect(asked).toEqual([
      {
        namespace: 'prod',
        taskQueue: { name: 'deploys', kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      },
    ]);
  });

  it('no pollers (or none reported) is no worker', async () => {
    expect(await workerPolling(clientWithPollers([]).client, 'prod', 'deploys')).toBe(false);
    expect(await workerPolling(clientWithPollers(undefined).client, 'prod', 'deploys')).toBe(false);
  });

  it('the message names the queue, the namespace and the commands that start a worker', () => {
    expect(noWorkerMessage('prod', 'deploys')).toBe(
      'no sluice worker polls task queue deploys in namespace prod: start one with `sluice worker` (or `sluice dev` on one machine)',
    );
  });
});
