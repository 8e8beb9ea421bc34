import { ApplicationFailure } from '@temporalio/common';
import type { FailureTypeName } from '../shared/errors';
import { NON_RETRYABLE_FAILURES } from '../shared/errors';

/** An activity failure with a type the workflow and CLI understand; permanent types are non-retryable. */
export function failure(type: FailureTypeName, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: NON_RETRYABLE_FAILURES.includes(type),
    details: details === undefined ? undefined : [details],
  });
}
