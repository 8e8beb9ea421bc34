/**
 * Failure type names shared by activities (which throw them as
 * ApplicationFailure types), the workflow (which decides whether to retry or
 * roll back) and the CLI (which maps outcomes to exit codes).
 */
import type { Outcome } from '../domain';

export const FailureType = {
  /** The spec is invalid; nothing was touched. */
  invalidSpec: 'InvalidSpec',
  /** The spec is valid but cannot be planned against what runs (e.g. rolling budget resolves to 0). */
  planRejected: 'PlanRejected',
  imageNotFound: 'ImageNotFound',
  /** A replica failed its health checks; details carry the last probes and log lines. */
  replicaUnhealthy: 'ReplicaUnhealthy',
  /** A replica the plan expects is not there (removed by someone else). */
  replicaMissing: 'ReplicaMissing',
  /** A replica exists but does not run right now (Docker is restarting it): retried, it may heal. */
  replicaNotRunning: 'ReplicaNotRunning',
  secretUnavailable: 'SecretUnavailable',
  /** A container that is not this replica (another service's, or not sluice's) has the replica's name. */
  containerNameTaken: 'ContainerNameTaken',
  /** Another service (or the router itself) listens on a port the spec asks for. */
  portTaken: 'PortTaken',
  /** nginx rejected a config (`nginx -t` failed); the previous config was restored. */
  routerRejected: 'RouterConfigRejected',
  migrationFailed: 'MigrationFailed',
  deadlineExceeded: 'DeadlineExceeded',
  analysisFailed: 'AnalysisFailed',
} as const;

/**
 * A setting of the environment (a variable such as SLUICE_CODEC_KEY or TEMPORAL_TLS_CA) is wrong.
 * The message names the variable and the fix; the CLI exits 2 with it, as for any bad input.
 */
export class SettingError extends Error {
  override name = 'SettingError';
}

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/**
 * How a deployment that did not release ends its workflow: failed, with one of these types
 * and its result as the failure's details (the Web UI lists it as Failed, not Completed).
 */
export const NOT_RELEASED_FAILURE_TYPES = {
  rolledBack: 'DeploymentRolledBack',
  aborted: 'DeploymentAborted',
  failed: 'DeploymentFailed',
} as const;

export function notReleasedFailureType(outcome: keyof typeof NOT_RELEASED_FAILURE_TYPES): string {
  return NOT_RELEASED_FAILURE_TYPES[outcome];
}

export function isNotReleasedFailureType(type: string | undefined | null): boolean {
  return Object.values(NOT_RELEASED_FAILURE_TYPES).some((known) => known === type);
}

/** Failures no retry can fix: activities mark them non-retryable. */
export const NON_RETRYABLE_FAILURES: FailureTypeName[] = [
  FailureType.invalidSpec,
  FailureType.planRejected,
  FailureType.imageNotFound,
  FailureType.replicaUnhealthy,
  FailureType.replicaMissing,
  FailureType.secretUnavailable,
  FailureType.routerRejected,
  FailureType.portTaken,
  FailureType.containerNameTaken,
  FailureType.migrationFailed,
];

/** Exit codes of every `sluice` verb. */
export const ExitCode = {
  ok: 0,
  rolledBack: 1,
  invalidInput: 2,
  aborted: 3,
  conflict: 4,
  unreachable: 5,
} as const;

export function exitCodeForOutcome(outcome: Outcome): number {
  switch (outcome) {
    case 'released':
      return ExitCode.ok;
    case 'aborted':
      return ExitCode.aborted;
    case 'rolledBack':
    case 'failed':
      return ExitCode.rolledBack;
  }
}
