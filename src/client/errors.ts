/**
 * How the CLI fails: a CliError carries the exit code and one message that
 * names the fix. Everything else thrown is mapped here, so no verb ever ends
 * in a bare stack trace.
 */
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ExitCode, FailureType, SettingError } from '../shared/errors';
import { DeploymentInProgress } from '../temporal/deployments';

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Failures of validation and planning: the deployment never touched a container, a route or a table (exit 2). */
const REFUSED_BEFORE_ANYTHING: string[] = [
  FailureType.invalidSpec,
  FailureType.planRejected,
  FailureType.portTaken,
  FailureType.imageNotFound,
  FailureType.secretUnavailable,
];

export const invalidInput = (message: string, details?: unknown) => new CliError(ExitCode.invalidInput, message, details);

export function toCliError(error: unknown, context: { service?: string; address?: string } = {}): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof SettingError) return invalidInput(error.message);
  if (error instanceof DeploymentInProgress || error instanceof WorkflowExecutionAlreadyStartedError) {
    return new CliError(ExitCode.conflict, error.message);
  }
  if (error instanceof WorkflowNotFoundError) {
    return invalidInput(context.service ? `no deployment of ${context.service} found: check the name, or deploy it first` : error.message);
  }
  // A deployment whose spec or plan was refused ends before it touched anything.
  if (
    error instanceof WorkflowFailedError &&
    error.cause instanceof ApplicationFailure &&
    REFUSED_BEFORE_ANYTHING.includes(error.cause.type ?? '')
  ) {
    return invalidInput(`refused, nothing was touched: ${error.cause.message}`, { type: error.cause.type });
  }
  if (error instanceof WorkflowUpdateFailedError) {
    return invalidInput(`rejected: ${error.cause?.message ?? error.message}`);
  }
  const message = (error as Error)?.message ?? String(error);
  if (/Unknown encoding: binary\/encrypted/.test(message)) {
    return invalidInput(
      "this deployment's payloads are encrypted with a codec key this CLI does not have: set SLUICE_CODEC_KEY (and SLUICE_CODEC_OLD_KEYS) as on the workers",
    );
  }
  if (
    /ECONNREFUSED|UNAVAILABLE|Failed to connect|connect ETIMEDOUT|DEADLINE_EXCEEDED|TransportError|failed to call GetSystemInfo/i.test(
      message,
    )
  ) {
    return unreachable(context.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233', message);
  }
  return new CliError(ExitCode.rolledBack, `unexpected error: ${message}`);
}

export function unreachable(address: string, why: string): CliError {
  return new CliError(
    ExitCode.unreachable,
    `cannot reach Temporal at ${address} (${why.split('\n')[0]}): run \`sluice dev\` or set TEMPORAL_ADDRESS`,
  );
}
