/**
 * What one host's deployment within a fleet tells the fleet deployment, and how it notices the
 * two things that can go missing: its own worker (the host is lost), and the fleet itself.
 */
import { ActivityFailure, ApplicationFailure, condition, getExternalWorkflowHandle, log, TimeoutFailure } from '@temporalio/workflow';
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
 * decides for the whole fleet, while this host calls again and again, each call waiting up to an
 * hour in the queue (activity-calls.ts: a long absence adds few events), until its worker takes the
 * work; then it goes on the way the fleet went (its record says which), and the fleet hears that
 * it is back. Once taken, the work runs under its progress deadline as any other.
 */
export async function evenIfLost<T>(run: DeploymentRun, call: () => Promise<T>): Promise<T> {
  for (;;) {
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (run.host && notStartedInTime(error)) {
        await lost(run, run.host.name);
        continue;
      }
      if (workerTookIt(error)) await back(run);
      throw error;
    }
    await back(run);
    return result;
  }
}

async function lost(run: DeploymentRun, host: string): Promise<void> {
  if (run.control.hostLost) return;
  run.control.hostLost = true;
  log.warn(`no worker of ${host} took its work for ${formatDuration(hostLostAfterMs(run.spec))}: the host is lost`);
  await reportToFleet(run, { lost: true });
}

/** The worker took the work: a lost host is back (and its next work may find it lost again). */
async function back(run: DeploymentRun): Promise<void> {
  if (!run.control.hostLost) return;
  run.control.hostLost = false;
  log.info(`${run.host!.name}'s worker is back`);
  await reportToFleet(run, { lost: false });
}

/** The activity ran and failed, or ran out of time while running: a worker took it. */
function workerTookIt(error: unknown): boolean {
  if (!(error instanceof ActivityFailure)) return false;
  const { cause } = error;
  if (cause instanceof ApplicationFailure) return true;
  return cause instanceof TimeoutFailure && (cause.timeoutType === 'START_TO_CLOSE' || cause.timeoutType === 'HEARTBEAT');
}

/** The work waited for a worker past its schedule-to-start timeout: no worker of the host polls. */
export function notStartedInTime(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === 'SCHEDULE_TO_START';
}

/** How often a host waiting without end (a gate, a pause) makes sure its fleet deployment still runs: at most 4 events a check. */
const FLEET_CHECK_MIN_MS = 15 * 60_000;

/** A host's deployment that checks on its fleet (fleet-host-checks). */
export function checksTheFleet(run: Pick<DeploymentRun, 'host'> & { patches?: DeploymentRun['patches'] }): boolean {
  return run.host !== undefined && run.patches?.fleetHostChecks === true;
}

/**
 * Waits until `released` (a gate answered, a pause resumed), making sure every hostLostAfter (15
 * minutes at least) that the fleet still runs, by telling it again where this host stands: a fleet
 * deployment that ended without letting this host go on (terminated) never will, and the host rolls
 * itself back rather than wait for ever with two releases on hand.
 */
export async function waitForTheFleet(
  run: Pick<DeploymentRun, 'host' | 'control' | 'spec'>,
  released: () => boolean,
  gate?: HostGate,
): Promise<void> {
  const every = Math.max(hostLostAfterMs(run.spec), FLEET_CHECK_MIN_MS);
  while (!(await condition(released, every))) {
    if (await reportToFleet(run, gate ? { gate } : {})) continue;
    run.control.abort({ by: 'sluice', reason: `the fleet deployment ${run.host!.fleetWorkflowId} ended without letting this host finish` });
    await condition(released); // cancelled by the abort: the rollback takes over
  }
}
