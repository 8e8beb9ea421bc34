/**
 * Hosts to take first: each host's worker observes what runs of the service there (in parallel,
 * before the first wave), and a host that runs fewer replicas than the spec asks goes first, as
 * CodeDeploy takes unhealthy instances first. A host that does not answer is taken in its turn
 * (its own deployment finds out why).
 */
import { log, workflowInfo } from '@temporalio/workflow';
import { needsAttention } from '../../planner/fleet';
import type { DeploymentSpec } from '../../planner/spec';
import { hostTaskQueue } from '../../shared/names';
import { activities } from '../deploy/activity-calls';
import { messageOf } from '../failures';

export interface HostFirst {
  host: string;
  reason: string;
}

export async function hostsToTakeFirst(spec: DeploymentSpec, hostLostAfterMs: number): Promise<HostFirst[]> {
  const { taskQueue } = workflowInfo();
  const hosts = spec.hosts ?? [];
  const found = await Promise.all(
    hosts.map(async (host): Promise<HostFirst[]> => {
      try {
        const observed = await activities.observeService.executeWithOptions(
          {
            summary: `observe ${spec.service} on ${host}`,
            taskQueue: hostTaskQueue(taskQueue, host),
            scheduleToStartTimeout: hostLostAfterMs,
            startToCloseTimeout: '1 minute',
            retry: { maximumAttempts: 2 },
          },
          [{ service: spec.service }],
        );
        const reason = needsAttention(observed, spec.replicas);
        return reason ? [{ host, reason }] : [];
      } catch (error) {
        log.warn(`could not observe ${spec.service} on ${host}, taken in its turn: ${messageOf(error)}`);
        return [];
      }
    }),
  );
  const first = found.flat();
  // Every host alike (a first deployment runs nothing anywhere): the spec's order stands.
  return first.length === hosts.length ? [] : first;
}
