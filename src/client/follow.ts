/**
 * Following a deployment to its end: the status query polled at an interval,
 * each change reported once, the result returned. `--wait`, the demo and CI
 * logs all use it; Ctrl-C stops following, never the deployment.
 */
import { statusQuery, type DeployResult } from '../shared/messages';
import { describeStatus, type DeploymentStatus } from '../workflows/planner/status';
import type { DeploymentHandle } from './deployments';

export interface FollowOptions {
  intervalMs?: number;
  onChange: (status: DeploymentStatus, line: string) => void | Promise<void>;
}

export async function follow(handle: DeploymentHandle, options: FollowOptions): Promise<DeployResult> {
  let done = false;
  const result = handle.result().finally(() => {
    done = true;
  });
  let last = '';
  while (!done) {
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status) {
      const line = describeStatus(status);
      if (line !== last) {
        last = line;
        await options.onChange(status, line);
      }
    }
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250))]);
  }
  return result;
}
