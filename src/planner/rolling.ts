/**
 * Rolling: replace the stable replicas step by step while traffic is shared by
 * every routed replica, within two budgets, as Kubernetes does:
 * - maxSurge: at most replicas + maxSurge containers run (rounded up from a percentage);
 * - maxUnavailable: at least replicas - maxUnavailable replicas serve (rounded down).
 * Each round starts as many new replicas as the surge budget allows (they are
 * healthy and routed before anything else happens), then retires as many old
 * ones as the availability budget allows. `stop-first` also retires within
 * the availability budget before starting. Works when the replica count changes.
 */
import { z } from 'zod';
import { countOrPercent, DAY, duration } from '../shared/spec';
import { group, proportionalWeights, type StrategyContext } from './context';
import { slotRange } from './builder';
import { PlanError } from './errors';
import type { StrategyModule } from './strategy';

const schema = z
  .object({
    type: z.literal('rolling'),
    maxSurge: countOrPercent.default(1),
    maxUnavailable: countOrPercent.default(0),
    order: z.enum(['start-first', 'stop-first'], { error: 'expected "start-first" or "stop-first"' }).default('start-first'),
    batchDelay: duration('10s', { max: DAY }).prefault('0s'),
  })
  .strict();

export type RollingStrategy = z.output<typeof schema>;

export function resolveCountOrPercent(value: number | string, replicas: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const exact = (Number(value.slice(0, -1)) * replicas) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

function resolvedBudgets(strategy: RollingStrategy, replicas: number): { surge: number; unavailable: number } {
  return {
    surge: resolveCountOrPercent(strategy.maxSurge, replicas, 'up'),
    unavailable: resolveCountOrPercent(strategy.maxUnavailable, replicas, 'down'),
  };
}

/** Budgets under which no replica could ever be replaced. */
function budgetRefusal(strategy: RollingStrategy, replicas: number): PlanError | undefined {
  const { surge, unavailable } = resolvedBudgets(strategy, replicas);
  if (surge === 0 && unavailable === 0) {
    return new PlanError(
      'strategy.maxSurge',
      `maxSurge and maxUnavailable both resolve to 0 for ${replicas} replicas, so no replica could ever be replaced: raise one of them`,
    );
  }
  if (strategy.order === 'stop-first' && unavailable === 0) {
    return new PlanError(
      'strategy.order',
      `stop-first needs maxUnavailable of at least 1, but it resolves to 0 for ${replicas} replicas: raise maxUnavailable or use start-first`,
    );
  }
  return undefined;
}

/** The budgets a rolling deployment of `replicas` works within. */
export function rollingBudget(strategy: RollingStrategy, replicas: number): { maxTotal: number; minAvailable: number } {
  const refusal = budgetRefusal(strategy, replicas);
  if (refusal) throw refusal;
  const { surge, unavailable } = resolvedBudgets(strategy, replicas);
  return { maxTotal: replicas + surge, minAvailable: Math.max(0, replicas - unavailable) };
}

function planRolling({ spec, strategy, target, stable, builder, notes }: StrategyContext<RollingStrategy>): void {
  const n = spec.replicas;
  const { maxTotal, minAvailable } = rollingBudget(strategy, n);
  if (minAvailable === 0)
    notes.push(`maxUnavailable allows all ${n} replicas to be down at once: requests may fail during this deployment`);

  let old = [...stable.slots];
  let fresh: number[] = [];
  const routeNow = () => {
    const peers = [group(stable.release, old), group(target, fresh)].filter((g) => g.slots.length > 0);
    builder.route({ peers, weights: proportionalWeights(peers) });
  };
  /** Retires as many old replicas as availability allows (and no more than `limit`). */
  const retire = (limit = old.length) => {
    const count = Math.min(limit, old.length, old.length + fresh.length - minAvailable);
    if (count <= 0) return 0;
    const leaving = old.slice(0, count);
    old = old.slice(count);
    routeNow();
    builder.stop(stable.release, leaving);
    return count;
  };

  while (fresh.length < n || old.length > 0) {
    let progress = strategy.order === 'stop-first' ? retire() : 0;
    const startCount = Math.min(n - fresh.length, maxTotal - (old.length + fresh.length));
    if (startCount > 0) {
      const slots = slotRange(fresh.length, fresh.length + startCount);
      builder.start(target, slots);
      fresh = [...fresh, ...slots];
      routeNow();
      progress += startCount;
    }
    progress += retire();
    if (progress === 0)
      throw new PlanError('(plan)', `planner bug: rolling made no progress with ${old.length} old and ${fresh.length} new replicas`);
    if (fresh.length < n || old.length > 0) builder.pause('batchDelay', strategy.batchDelay, false);
  }
}

export const rolling = {
  schema,
  fleet: 'waves',
  plan: planRolling,
  refusal: (strategy, spec) => budgetRefusal(strategy, spec.replicas),
} satisfies StrategyModule<RollingStrategy>;
