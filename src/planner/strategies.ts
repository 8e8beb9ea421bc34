/**
 * Every strategy by its spec type. A new strategy is a module exporting a StrategyPlanner, its
 * schema in shared/spec.ts, and one line here; nothing else in the planner, the workflow or the
 * CLI names a strategy.
 */
import type { DeploymentSpec, StrategyType } from '../shared/spec';
import { blueGreen } from './blue-green';
import { canary } from './canary';
import type { StrategyContext } from './context';
import type { PlanError } from './errors';
import { recreate } from './recreate';
import { rolling } from './rolling';
import type { Preview, StrategyOf, StrategyPlanner } from './strategy';

const STRATEGIES: { [T in StrategyType]: StrategyPlanner<T> } = { rolling, blueGreen, canary, recreate };

/** The planner of `strategy`'s type, typed for it (TypeScript cannot correlate the two by itself). */
function plannerOf<T extends StrategyType>(strategy: StrategyOf<T>): StrategyPlanner<T> {
  return STRATEGIES[strategy.type];
}

export function planStrategy(context: StrategyContext): void {
  plannerOf(context.strategy).plan(context);
}

/** Why the spec's strategy can never be planned, or undefined: what planDeployment refuses. */
export function unplannable(spec: DeploymentSpec): PlanError | undefined {
  return plannerOf(spec.strategy).refusal?.(spec.strategy, spec);
}

/** Why a new deployment of the spec is refused, or undefined: unplannable, or against an admission rule. */
export function strategyRefusal(spec: DeploymentSpec): PlanError | undefined {
  return unplannable(spec) ?? plannerOf(spec.strategy).admission?.(spec.strategy, spec);
}

export function previewOf(spec: DeploymentSpec): Preview | undefined {
  return plannerOf(spec.strategy).preview?.(spec.strategy);
}
