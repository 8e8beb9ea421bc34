import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackValue } from '../../support/stack';
import * as activities from './fixtures/trivial-activities';

/** The foundation: a workflow and an activity on the stack's real Temporal dev server, through a real worker. */
describe('a real worker on the real dev server', () => {
  let connection: Connection;
  let nativeConnection: NativeConnection;

  beforeAll(async () => {
    const address = stackValue('TEMPORAL_ADDRESS');
    connection = await Connection.connect({ address });
    nativeConnection = await NativeConnection.connect({ address });
  });
  afterAll(async () => {
    await connection?.close();
    await nativeConnection?.close();
  });

  it('runs a workflow whose activity executes in the worker process', async () => {
    const taskQueue = `foundation-${randomUUID()}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: stackValue('TEMPORAL_NAMESPACE'),
      taskQueue,
      workflowsPath: path.resolve(__dirname, 'fixtures/trivial-workflows.ts'),
      activities,
    });
    const client = new Client({ connection, namespace: stackValue('TEMPORAL_NAMESPACE') });
    const workflowId = `greet-${randomUUID()}`;
    const result = await worker.runUntil(client.workflow.execute('greet', { taskQueue, workflowId, args: ['sluice'] }));
    expect(result).toEqual({ greeting: 'hello, sluice', activityPid: process.pid });
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const types = history.events?.map((e) => e.eventType) ?? [];
    expect(types).toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    expect(types.at(-1)).toBe(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  });
});
