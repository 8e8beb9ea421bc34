/**
 * One host's deployment within a fleet deployment (DeployInput.host): it tells the fleet where it
 * stands (its release once planned, each gate it opens and closes) and, once its new release
 * serves, waits at the fleet gate before anything irreversible, so that the fleet can still roll
 * every host back until every host is ready.
 */
import { waitAtGate } from './gates';
import type { DeploymentRun } from './run';

/** Waits, ready, until the fleet lets this host go on (fleetProceedSignal); an abort from the fleet rolls it back from here. */
export async function waitForFleet(run: DeploymentRun): Promise<void> {
  if (!run.host || run.control.fleetGatePassed) return;
  await waitAtGate(run, 'fleet', undefined, false);
  run.control.fleetGatePassed = true;
}
