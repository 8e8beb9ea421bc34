/**
 * Following a deployment to its end: the status query polled at an interval,
 * each change reported once, the result returned. `--wait`, the demo and CI
 * logs all use it; Ctrl-C stops following, never the deployment.
 */
import type { DeploymentStatus } from '../domain';
import { statusQuery, type DeployResult } from '../shared/messages';
import { describeStatus } from '../planner/status';
import type { DeploymentHandle } from '../temporal/deployments';
import { sleep } from '../timing/waits';

const QUERY_DEADLINE_MS = 5000;

export interface FollowOptions {
  intervalMs?: number;
  /** Called whenever the status changed since the last poll. */
  onStatus: (status: DeploymentStatus) => void | Promise<void>;
}

export async function follow(handle: DeploymentHandle, options: FollowOptions): Promise<DeployResult> {
  let done = false;
  const result = handle.result().finally(() => {
    done = true;
  });
  let last = '';
  while (!done) {
    // Bounded: a query the server holds while the workflow closes (or with no worker up) must not stall the follow.
    const status = await handle.client.connection
      .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery))
      .catch(() => undefined);
    if (status && status.updatedAt + describeStatus(status) !== last) {
      last = status.updatedAt + describeStatus(status);
      await options.onStatus(status);
    }
    await Promise.race([result.catch(() => undefined), sleep(options.intervalMs ?? 250)]);
  }
  return result;
}
