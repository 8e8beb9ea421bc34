/**
 * The activities a deployment calls and the options each call gets. How a dead
 * worker is noticed: activities that can run long heartbeat, and a missed
 * heartbeat hands the work to another attempt; short ones get a short
 * start-to-close for the same reason (never the whole progress deadline).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { SluiceActivities } from '../../activities';
import type { Step, StepPhase } from '../../domain';
import { hostLostAfterMs } from '../../planner/fleet';
import { deadlineFor } from './deadlines';
import type { DeploymentRun } from './run';

/** Every call's retry policy: the proxy's default, merged into the options each call passes. */
const RETRY_POLICY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '20s' };

export const activities = proxyActivities<SluiceActivities>({ startToCloseTimeout: '10 minutes', retry: RETRY_POLICY });

export const HEARTBEAT_TIMEOUT = '15s';
const SHORT_ACTIVITY_TIMEOUT_MS = 60_000;
const LONG_RUNNING: ReadonlySet<Step['kind']> = new Set([
  'startReplicas',
  'waitHealthy',
  'route',
  'stopReplicas',
  'removeReplicas',
  'migrate',
]);

/**
 * A fleet host's deployment runs every activity on the host's own task queue, where only its
 * worker polls. Until the host is lost, work its worker does not take within hostLostAfter fails
 * (schedule-to-start), which is how the fleet hears that a host is lost (fleet-report.ts).
 */
export function onHost(run: DeploymentRun): Pick<ActivityOptions, 'taskQueue' | 'scheduleToStartTimeout'> {
  if (!run.host) return {};
  return { taskQueue: run.host.taskQueue, scheduleToStartTimeout: queueWait(run) };
}

/** A lost host's work waits longer in the queue each call: an hour, or hostLostAfter if longer. */
const LOST_QUEUE_WAIT_MS = 3_600_000;

function queueWait(run: DeploymentRun): number {
  const lostAfter = hostLostAfterMs(run.spec);
  return run.control.hostLost ? Math.max(lostAfter, LOST_QUEUE_WAIT_MS) : lostAfter;
}

/** The progress deadline as the activity's schedule-to-close; a lost host's work has it once its worker takes it (after the queue wait). */
export function deadlineOnActivity(run: DeploymentRun, limit: number): Pick<ActivityOptions, 'scheduleToCloseTimeout'> {
  return { scheduleToCloseTimeout: run.host && run.control.hostLost ? queueWait(run) + limit : limit };
}

/** A step's activity options: the phase's progress deadline bounds the retries (schedule-to-close) and a long attempt; a short attempt gets a minute. */
export function stepActivityOptions(run: DeploymentRun, step: Step, phase: StepPhase, summary: string): ActivityOptions {
  const deadline = deadlineFor(run.spec, phase);
  const limit = deadline ?? 600_000;
  const long = LONG_RUNNING.has(step.kind);
  return {
    summary,
    ...onHost(run),
    ...(run.patches.deadlineOnActivities && deadline !== undefined ? deadlineOnActivity(run, limit) : {}),
    startToCloseTimeout: long ? limit : Math.min(limit, SHORT_ACTIVITY_TIMEOUT_MS),
    ...(long ? { heartbeatTimeout: HEARTBEAT_TIMEOUT } : {}),
  };
}
