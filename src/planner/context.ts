import type { ReplicaGroup } from '../domain';
import type { SpecFields } from '../shared/spec';
import type { PlanBuilder } from './builder';

/** What a strategy needs to plan the middle of a deployment (migrations and clean-up are planned around it). */
export interface StrategyContext<S extends { type: string }> {
  /** The rest of the spec (the strategy's own part is `strategy`). */
  spec: SpecFields;
  strategy: S;
  target: string;
  /** The release serving now, with the replicas it runs. Strategies run only when there is one. */
  stable: ReplicaGroup;
  builder: PlanBuilder;
  notes: string[];
}

/** Weights proportional to replica counts: every routed replica takes an equal share. */
export function proportionalWeights(groups: ReplicaGroup[]): Record<string, number> {
  return Object.fromEntries(groups.filter((g) => g.slots.length > 0).map((g) => [g.release, g.slots.length]));
}

export function group(release: string, slots: number[]): ReplicaGroup {
  return { release, slots: [...slots].sort((a, b) => a - b) };
}
