/**
 * Rolling: replace the stable replicas in batches while traffic is shared by
 * every healthy replica. maxSurge bounds extra replicas, maxUnavailable bounds
 * missing ones (Kubernetes' rounding: surge rounds up, unavailable down).
 * In each batch, `order` decides how many old replicas stop before the new
 * ones start: start-first stops only what the surge budget forces,
 * stop-first stops as many as maxUnavailable allows.
 */
import type { RollingStrategy } from '../../shared/spec';
import { group, proportionalWeights, type StrategyContext } from './context';
import { slotRange } from './builder';
import { PlanError } from './types';

export function resolveCountOrPercent(value: number | string, replicas: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const exact = (Number(value.slice(0, -1)) * replicas) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

export function planRolling({ spec, strategy, target, stable, builder, notes }: StrategyContext<RollingStrategy>): void {
  const n = spec.replicas;
  const surge = resolveCountOrPercent(strategy.maxSurge, n, 'up');
  const unavailable = resolveCountOrPercent(strategy.maxUnavailable, n, 'down');
  if (surge === 0 && unavailable === 0) {
    throw new PlanError('strategy.maxSurge', `maxSurge and maxUnavailable both resolve to 0 for ${n} replicas, so no replica could ever be replaced: raise one of them`);
  }
  if (strategy.order === 'stop-first' && unavailable === 0) {
    throw new PlanError('strategy.order', `stop-first needs maxUnavailable of at least 1, but it resolves to 0 for ${n} replicas: raise maxUnavailable or use start-first`);
  }
  if (surge === 0 && strategy.order === 'start-first') notes.push('maxSurge is 0, so each batch stops old replicas before starting new ones');

  const batchSize = surge + unavailable;
  const oldSlots = [...stable.slots];
  const batches = Math.ceil(Math.max(n, oldSlots.length) / batchSize);
  let oldRouted = [...oldSlots];
  let newRouted: number[] = [];
  const routeNow = () => {
    const peers = [group(stable.release, oldRouted), group(target, newRouted)].filter((g) => g.slots.length > 0);
    builder.route({ peers, weights: proportionalWeights(peers) });
  };
  const retire = (slots: number[]) => {
    if (slots.length === 0) return;
    oldRouted = oldRouted.filter((slot) => !slots.includes(slot));
    routeNow();
    builder.stop(stable.release, slots);
  };

  for (let batch = 0; batch < batches; batch++) {
    const newSlots = slotRange(batch * batchSize, Math.min(n, (batch + 1) * batchSize));
    const oldBatch = oldSlots.slice(batch * batchSize, (batch + 1) * batchSize);
    const stopFirst =
      strategy.order === 'stop-first' ? Math.min(oldBatch.length, unavailable) : Math.min(oldBatch.length, Math.max(0, newSlots.length - surge));
    retire(oldBatch.slice(0, stopFirst));
    builder.start(target, newSlots);
    newRouted = [...newRouted, ...newSlots];
    routeNow();
    retire(oldBatch.slice(stopFirst));
    if (batch < batches - 1) builder.pause('batchDelay', strategy.batchDelay, false);
  }
}
