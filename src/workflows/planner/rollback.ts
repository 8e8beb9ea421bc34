/**
 * The compensation plan for the steps a deployment has begun, built from each
 * step's undo (latest first) and ordered for the fastest safe return:
 * 1. restore the stable release's capacity (restart and await stopped replicas);
 * 2. one routing change, back to the routing before the deployment (every
 *    intermediate routing restore is superseded by it, and nothing between
 *    them needs it: undo never stops a replica);
 * 3. remove the new release's replicas, now out of traffic;
 * 4. undo expand migrations, once no new code runs.
 * So an abort with the stable release intact is a single routing change.
 */
import type { PlannedStep, Step } from './types';

export function rollbackSteps(begun: PlannedStep[]): Step[] {
  const undo = [...begun].reverse().flatMap((planned) => planned.undo);
  const routes = undo.filter((step) => step.kind === 'route');
  return [
    ...undo.filter((step) => step.kind === 'startReplicas' || step.kind === 'waitHealthy'),
    ...routes.slice(-1),
    ...undo.filter((step) => step.kind === 'removeReplicas'),
    ...undo.filter((step) => step.kind === 'migrate'),
  ];
}
