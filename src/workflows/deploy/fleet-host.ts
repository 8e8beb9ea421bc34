/**
 * One host's deployment within a fleet deployment (DeployInput.host): it tells the fleet where it
 * stands (its release once planned, each gate it opens and closes) and, once its new release
 * serves, waits at the fleet gate before anything irreversible, so that the fleet can still roll
 * every host back until every host is ready.
 */
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { HostReport } from '../../domain';
import { hostReportSignal } from '../../shared/messages';
import { messageOf } from '../failures';
import { waitAtGate } from './gates';
import type { DeploymentRun } from './run';

/** Tells the fleet deployment where this host stands; a fleet that has ended is no reason to stop. */
export async function reportToFleet(run: DeploymentRun, report: Omit<HostReport, 'host'>): Promise<void> {
  if (!run.host) return;
  try {
    await getExternalWorkflowHandle(run.host.fleetWorkflowId, run.host.fleetRunId).signal(hostReportSignal, {
      host: run.host.name,
      ...report,
    });
  } catch (error) {
    log.warn(`could not report to the fleet deployment ${run.host.fleetWorkflowId}: ${messageOf(error)}`);
  }
}

/** Waits, ready, until the fleet lets this host go on (fleetProceedSignal); an abort from the fleet rolls it back from here. */
export async function waitForFleet(run: DeploymentRun): Promise<void> {
  if (!run.host || run.control.fleetGatePassed) return;
  await waitAtGate(run, 'fleet', undefined, false);
  run.control.fleetGatePassed = true;
}
