/** What every part of one deployment run shares: the spec, its id, the control state, metrics and the patches it runs under. */
import { metricMeter, patched } from '@temporalio/workflow';
import type { DeploymentSpec } from '../../planner/spec';
import type { HostAssignment } from '../../shared/messages';
import type { DeploymentControl } from './control';

export interface DeploymentRun {
  spec: DeploymentSpec;
  /** `<workflow id>/<run id>`: what the activities label containers and migrations with. */
  deploymentId: string;
  control: DeploymentControl;
  metrics: DeploymentMetrics;
  patches: DeploymentPatches;
  /** One host of a fleet deployment: its activities run on the host's task queue, and it waits for the fleet at the fleet gate. */
  host?: HostAssignment;
}

export type DeploymentMetrics = ReturnType<typeof deploymentMetrics>;
export type DeploymentPatches = ReturnType<typeof deploymentPatches>;

/** sluice's own metrics, beside the SDK's, on the worker's Prometheus endpoint (replay-safe: not emitted during replay). */
export function deploymentMetrics() {
  return {
    finished: metricMeter.createCounter('sluice_deployments', 'deployments', 'Deployments finished, by service, strategy and outcome'),
    rollbacks: metricMeter.createCounter('sluice_rollbacks', 'rollbacks', 'Rollbacks started, by service and cause (failure or abort)'),
    gateWait: metricMeter.createHistogram('sluice_gate_wait', 'int', 'ms', 'Time deployments waited at gates, by gate'),
  };
}

/** Changes to the commands a deployment issues, guarded so that deployments begun before them replay (asked once each, in this order). */
export function deploymentPatches() {
  const deadlineOnActivities = patched('progress-deadline-on-activities');
  const forwardOnlyPastNoReturn = patched('forward-only-past-point-of-no-return');
  const planRecorded = patched('plan-recorded-in-history');
  const failWhenNotReleased = patched('failed-when-not-released');
  // A fleet host reports its own rollback, and checks that its fleet still runs while it waits without end.
  const fleetHostChecks = patched('fleet-host-checks');
  // A fleet host tells the fleet it rolls back while its first undo step starts, not before it.
  const rollbackReportAlongside = patched('fleet-host-rollback-report-alongside');
  return { deadlineOnActivities, forwardOnlyPastNoReturn, planRecorded, failWhenNotReleased, fleetHostChecks, rollbackReportAlongside };
}
