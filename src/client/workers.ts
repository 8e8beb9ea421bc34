/** Which sluice workers poll a task queue (a verb that needs one says so at once instead of hanging). */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface Poller {
  identity: string;
  /** When it last polled, as Temporal saw it. */
  lastAccess?: Date;
}

/** The workers polling `taskQueue` for workflow tasks, or for activity tasks (a fleet host's queue has only those). */
export async function pollers(client: Client, namespace: string, taskQueue: string, kind: 'workflow' | 'activity'): Promise<Poller[]> {
  const { TaskQueueType } = temporal.api.enums.v1;
  const response = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: kind === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (response.pollers ?? []).map((poller) => {
    const seconds = poller.lastAccessTime?.seconds;
    return {
      identity: poller.identity ?? '',
      ...(seconds !== undefined && seconds !== null ? { lastAccess: new Date(Number(seconds) * 1000) } : {}),
    };
  });
}

export async function workerPolling(client: Client, namespace: string, taskQueue: string): Promise<boolean> {
  return (await pollers(client, namespace, taskQueue, 'workflow')).length > 0;
}

export function noWorkerMessage(namespace: string, taskQueue: string): string {
  return `no sluice worker polls task queue ${taskQueue} in namespace ${namespace}: start one with \`sluice worker\` (or \`sluice dev\` on one machine)`;
}
