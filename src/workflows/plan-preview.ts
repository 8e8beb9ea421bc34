/**
 * `sluice plan`: what a deployment would do now, touching nothing. It runs as a
 * short workflow so that it observes what the worker sees (its Docker host and
 * router), from anywhere Temporal is reachable.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import type { Plan } from '../domain';
import { FailureType } from '../shared/errors';
import { describeProblems, validateSpec } from '../shared/spec';

const { observeAndPlan } = proxyActivities<SluiceActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '15 seconds', retry: { maximumAttempts: 3 } });

export const PLAN_WORKFLOW_TYPE = 'planPreview';

export async function planPreview(input: { spec: unknown }): Promise<Plan> {
  const parsed = validateSpec(input.spec);
  if (!parsed.ok) throw ApplicationFailure.create({ type: FailureType.invalidSpec, nonRetryable: true, message: describeProblems(parsed.problems), details: [parsed.problems] });
  try {
    return (await observeAndPlan({ spec: parsed.spec })).plan;
  } catch (error) {
    // The planner's refusal (a port, a missing image or secret) is the answer, not a crash of the preview.
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) throw error.cause;
    throw error;
  }
}
