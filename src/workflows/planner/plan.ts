/**
 * spec + what runs now -> the ordered steps of a deployment.
 *
 * Every plan has the same frame: prepare the router, expand migrations before
 * any new code runs, the strategy's middle, contract migrations (gated) once
 * the old release takes no traffic, and finally removal of old containers,
 * which is the only step that cannot be undone and so comes last.
 */
import type { DeploymentSpec } from '../../shared/spec';
import { EMPTY_ROUTING, PlanBuilder, slotRange } from './builder';
import { planBlueGreen } from './blue-green';
import { planCanary } from './canary';
import { group, type StrategyContext } from './context';
import { planRecreate } from './recreate';
import { releaseId } from './release';
import { planRolling, rollingBudget } from './rolling';
import type { ObservedService, Plan, ReplicaGroup, Routing } from './types';

/** The release serving now: the one with the most traffic, else (router never saw the service) the one with the most replicas. */
export function findStable(observed: ObservedService): ReplicaGroup | undefined {
  const weight = (release: string) => observed.routing?.weights[release] ?? 0;
  const running = observed.releases.filter((r) => r.slots.length > 0);
  const best = [...running].sort((a, b) => weight(b.release) - weight(a.release) || b.slots.length - a.slots.length || (a.release < b.release ? -1 : 1))[0];
  return best && group(best.release, best.slots);
}

function planStrategy(context: StrategyContext): void {
  const { strategy } = context;
  switch (strategy.type) {
    case 'rolling':
      return planRolling({ ...context, strategy });
    case 'blueGreen':
      return planBlueGreen({ ...context, strategy });
    case 'canary':
      return planCanary({ ...context, strategy });
    case 'recreate':
      return planRecreate(context);
  }
}

/**
 * Same template already serving: start what is missing, route all traffic to it, stop what is
 * extra, and finish what an interrupted deployment left (its other releases' containers, and
 * the contract migrations it did not run once nothing else runs).
 */
function planConverge(spec: DeploymentSpec, stable: ReplicaGroup, leftovers: ReplicaGroup[], builder: PlanBuilder, notes: string[]): void {
  const wanted = slotRange(0, spec.replicas);
  const missing = wanted.filter((slot) => !stable.slots.includes(slot));
  const extra = stable.slots.filter((slot) => !wanted.includes(slot));
  builder.start(stable.release, missing);
  builder.route({ peers: [group(stable.release, wanted)], weights: { [stable.release]: 100 } });
  builder.stop(stable.release, extra);
  builder.remove(stable.release, extra);
  for (const leftover of leftovers) builder.remove(leftover.release, leftover.slots);
  if (spec.migrations && leftovers.length > 0) {
    notes.push(`containers of an earlier, unfinished deployment are removed and pending contract migrations run`);
    builder.migrate('contract');
  }
  if (builder.build().every((planned) => planned.step.kind === 'prepareRouter')) {
    notes.push(`release ${stable.release} already runs ${spec.replicas} replica(s) of this spec: nothing to do`);
  }
}

/** The observed routing, minus peers that no longer run (a crashed replica cannot be routed back to). */
function routableNow(observed: ObservedService): Routing {
  if (!observed.routing) return EMPTY_ROUTING;
  const running = (release: string) => observed.releases.find((r) => r.release === release)?.slots ?? [];
  const peers = observed.routing.peers.map((g) => ({ release: g.release, slots: g.slots.filter((slot) => running(g.release).includes(slot)) })).filter((g) => g.slots.length > 0);
  return { ...observed.routing, peers };
}

export function planDeployment(spec: DeploymentSpec, observed: ObservedService): Plan {
  const target = releaseId(spec);
  const stable = findStable(observed);
  const notes: string[] = [];
  const initialRouting = routableNow(observed);
  const builder = new PlanBuilder(initialRouting, stable ? [stable] : []);
  // Containers of other releases take no traffic once the plan has run: garbage from an interrupted past.
  const leftovers = [...observed.releases.filter((r) => r.release !== stable?.release), ...observed.stopped.filter((r) => r.release !== stable?.release)];

  // Checked even when nothing runs yet, so a budget mistake shows on the first deployment, not the second.
  if (spec.strategy.type === 'rolling') rollingBudget(spec.strategy, spec.replicas);
  builder.prepareRouter();
  if (stable?.release === target) {
    planConverge(spec, stable, leftovers, builder, notes);
    return { service: spec.service, strategy: spec.strategy.type, targetRelease: target, stableRelease: stable.release, initialRouting, steps: builder.build(), notes };
  }
  if (spec.migrations) builder.migrate('expand');
  if (stable) {
    planStrategy({ spec, strategy: spec.strategy, target, stable, builder, notes });
  } else {
    notes.push(`first deployment of ${spec.service}: nothing runs yet, so the new release starts at full size and takes all traffic (no gates)`);
    const fresh = group(target, slotRange(0, spec.replicas));
    builder.start(target, fresh.slots);
    builder.route({ peers: [fresh], weights: { [target]: 100 } });
  }
  if (spec.migrations) {
    // With no old release there is nothing the contract could break, so a first deployment does not wait for it.
    if (spec.migrations.contract === 'onPromote' && stable) builder.pause('contract', undefined);
    builder.migrate('contract');
  }
  if (stable) {
    const crashed = observed.stopped.find((g) => g.release === stable.release)?.slots ?? [];
    builder.remove(stable.release, [...stable.slots, ...crashed].sort((a, b) => a - b));
  }
  for (const leftover of leftovers) {
    const unused = leftover.release === target ? leftover.slots.filter((slot) => slot >= spec.replicas) : leftover.slots;
    builder.remove(leftover.release, unused);
  }
  return { service: spec.service, strategy: spec.strategy.type, targetRelease: target, stableRelease: stable?.release, initialRouting, steps: builder.build(), notes };
}
