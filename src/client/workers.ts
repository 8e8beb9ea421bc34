/** Whether any sluice worker polls the task queue (a verb that needs one says so at once instead of hanging). */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export async function workerPolling(client: Client, namespace: string, taskQueue: string): Promise<boolean> {
  const response = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (response.pollers?.length ?? 0) > 0;
}

export function noWorkerMessage(namespace: string, taskQueue: string): string {
  return `no sluice worker polls task queue ${taskQueue} in namespace ${namespace}: start one with \`sluice worker\` (or \`sluice dev\` on one machine)`;
}
