/**
 * `sluice plan`: what a deployment would do now, touching nothing. It runs as a
 * short workflow so that it observes what the worker sees (its Docker host and
 * router), from anywhere Temporal is reachable.
 */
import { proxyActivities } from '@temporalio/workflow';
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

export async function planPreview(input: { spec: unknown }): Promise<Plan> {
  const spec = validSpecOrFail(input?.spec);
  try {
    return (await observeAndPlan({ spec })).plan;
  } catch (error) {
    // The planner's refusal (a port, a missing image or secret) is the answer, not a crash of the preview.
    throw refusalOf(error);
  }
}
