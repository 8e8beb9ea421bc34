/**
 * `sluice plan`: what a deployment would do now, touching nothing. It runs as a
 * short workflow so that it observes what the worker sees (its Docker host and
 * router), from anywhere Temporal is reachable.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { SluiceActivities } from '../activities';
import { FailureType } from '../shared/errors';
import { describeProblems, validateSpec } from '../shared/spec';
import { planDeployment } from './planner/plan';
import { PlanError, type Plan } from './planner/types';

const { observeService } = proxyActivities<SluiceActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });

export const PLAN_WORKFLOW_TYPE = 'planPreview';

export async function planPreview(input: { spec: unknown }): Promise<Plan> {
  const parsed = validateSpec(input.spec);
  if (!parsed.ok) throw ApplicationFailure.create({ type: FailureType.invalidSpec, nonRetryable: true, message: describeProblems(parsed.problems), details: [parsed.problems] });
  const observed = await observeService({ service: parsed.spec.service });
  try {
    return planDeployment(parsed.spec, observed);
  } catch (error) {
    if (error instanceof PlanError) throw ApplicationFailure.create({ type: FailureType.planRejected, nonRetryable: true, message: error.message });
    throw error;
  }
}
