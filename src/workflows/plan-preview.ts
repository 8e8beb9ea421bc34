/**
 * `sluice plan`: what a deployment would do now, touching nothing. It runs as a
 * short workflow so that it observes what the worker sees (its Docker host and
 * router), from anywhere Temporal is reachable.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { hostTaskQueue } from '../shared/names';
import { hostDocument } from '../planner/fleet';
import type { SluiceActivities } from '../activities';
import type { Plan } from '../domain';
import { HEARTBEAT_TIMEOUT } from './deploy/activity-calls';
import { refusalOf, validSpecOrFail } from './failures';

/** A preview answers a person waiting at a terminal: a few attempts, not a deployment's retries until a deadline. */
const { observeAndPlan } = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { maximumAttempts: 3 },
});

/**
 * The plan of one host: the single host's, or (`host` given) one host's of a fleet, by that
 * host's worker on the host's own task queue. A fleet host with no worker polling is said to be so
 * within seconds, instead of waiting out the preview.
 */
export async function planPreview(input: { spec: unknown; host?: string }): Promise<Plan> {
  // A fleet host plans without the spec's migrations: the fleet runs them once for every host.
  const spec = validSpecOrFail(input?.host ? hostDocument(input.spec) : input?.spec);
  const onHost = input.host ? { taskQueue: hostTaskQueue(workflowInfo().taskQueue, input.host), scheduleToStartTimeout: '20 seconds' } : {};
  try {
    return (await observeAndPlan.executeWithOptions(onHost, [{ spec }])).plan;
  } catch (error) {
    // The planner's refusal (a port, a missing image or secret) is the answer, not a crash of the preview.
    throw refusalOf(error);
  }
}
