/**
 * What one host's deployment within a fleet tells the fleet deployment, and how it notices the
 * two things that can go missing: its own worker (the host is lost), and the fleet itself.
 */
import { ActivityFailure, condition, getExternalWorkflowHandle, log, TimeoutFailure } from '@temporalio/workflow';
import type { HostGate, HostReport } from '../../domain';
import { formatDuration } from '../../shared/duration';
import { hostReportSignal } from '../../shared/messages';
import { hostLostAfterMs } from '../../planner/fleet';
import { messageOf } from '../failures';
import type { DeploymentRun } from './run';

/** Tells the fleet deployment where this host stands; false when the fleet could not be told (it has ended), which is no reason to stop. */
export async function reportToFleet(run: Pick<DeploymentRun, 'host'>, report: Omit<HostReport, 'host'>): Promise<boolean> {
  if (!run.host) return true;
  try {
    await getExternalWorkflowHandle(run.host.fleetWorkflowId, run.host.fleetRunId).signal(hostReportSignal, {
      host: run.host.name,
      ...report,
    });
    return true;
  } catch (error) {
    log.warn(`could not report to the fleet deployment ${run.host.fleetWorkflowId}: ${messageOf(error)}`);
    return false;
  }
}

/**
 * Runs one activity call of a fleet host. Work that no worker of the host takes within
 * hostLostAfter (a schedule-to-start timeout) means the host is lost: the fleet hears of it and
 * decides for the whole fleet, while the call waits for the worker to return, without a
 * deadline, so that this host then goes the way the fleet went (its record says which).
 */
export async function evenIfLost<T>(run: DeploymentRun, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!run.host || run.control.hostLost || !notStartedInTime(error)) throw error;
    run.control.hostLost = true;
    log.warn(`no worker of ${run.host.name} took its work for ${formatDuration(hostLostAfterMs(run.spec))}: the host is lost`);
    await reportToFleet(run, { lost: true });
    const result = await call();
    // Back: its next work may find it lost again.
    run.control.hostLost = false;
    log.info(`${run.host.name}'s worker is back`);
    await reportToFleet(run, { lost: false });
    return result;
  }
}

function notStartedInTime(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START';
}

/**
 * Waits at the fleet gate until `released`, making sure every hostLostAfter that the fleet still
 * runs (by telling it again where this host stands): a fleet deployment that ended without letting
 * this host go on (terminated) can never do so, and the host rolls itself back rather than wait for
 * ever with two releases on hand.
 */
export async function waitForTheFleet(
  run: Pick<DeploymentRun, 'host' | 'control' | 'spec'>,
  released: () => boolean,
  gate: HostGate,
): Promise<void> {
  while (!(await condition(released, hostLostAfterMs(run.spec)))) {
    if (await reportToFleet(run, { gate })) continue;
    run.control.abort({ by: 'sluice', reason: `the fleet deployment ${run.host!.fleetWorkflowId} ended without letting this host finish` });
    await condition(released); // cancelled by the abort: the rollback takes over
  }
}
