/**
 * Failures of workflow code that the deploy workflow and the plan preview share:
 * a spec refused before anything is touched, and the planning activity's refusal
 * passed on as the workflow's own failure.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { FailureType } from '../shared/errors';
import { describeProblems } from '../shared/spec';
import { validateSpec } from '../planner/spec';
import type { DeploymentSpec } from '../planner/spec';

/** The spec, validated; an invalid one fails the workflow (InvalidSpec, non-retryable) with every problem and its field path. */
export function validSpecOrFail(document: unknown): DeploymentSpec {
  const parsed = validateSpec(document);
  if (parsed.ok) return parsed.spec;
  throw ApplicationFailure.create({
    type: FailureType.invalidSpec,
    nonRetryable: true,
    message: `invalid spec:\n${describeProblems(parsed.problems)}`,
    details: [parsed.problems],
  });
}

/** The planner's refusal (a port, a missing image or secret, a plan rejected) as the activity raised it: the workflow fails with its type and message, for the CLI's exit 2. */
export function refusalOf(error: unknown): unknown {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : error;
}

/** An error's message followed by its causes' where they add something. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && cause.message !== error.message
      ? `${error.message}: ${messageOf(cause)}`
      : error.message;
  }
  return String(error);
}
