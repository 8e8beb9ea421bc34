/**
 * Every strategy. A new strategy is a module exporting a StrategyModule and one entry in
 * STRATEGIES; nothing else in the spec, the planner, the workflow or the CLI names a strategy.
 */
import { z } from 'zod';
import type { Preview } from '../shared/spec';
import { blueGreen } from './blue-green';
import { canary } from './canary';
import type { StrategyContext } from './context';
import type { PlanError } from './errors';
import { recreate } from './recreate';
import { rolling } from './rolling';
import type { DeploymentSpec } from './spec';
import type { StrategyModule } from './strategy';

/** In the order the docs and the JSON Schema list them. */
const STRATEGIES = [rolling, blueGreen, canary, recreate] as const;

type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends { schema: infer S } ? S : never };
const schemas = STRATEGIES.map((strategy) => strategy.schema) as unknown as SchemasOf<typeof STRATEGIES>;
const types = schemas.map((schema) => schema.shape.type.value);

/** The spec's `strategy:` field: one of the strategies' schemas, chosen by `type`. */
export const strategySchema = z.discriminatedUnion('type', schemas, {
  error: `expected strategy.type to be one of ${types.join(', ')}`,
});

export type Strategy = z.output<typeof strategySchema>;
export type StrategyType = Strategy['type'];

/** The module of `strategy`'s type, typed for it (TypeScript cannot correlate the two by itself). */
function moduleOf<S extends Strategy>(strategy: S): StrategyModule<S> {
  return STRATEGIES[types.indexOf(strategy.type)] as unknown as StrategyModule<S>;
}

export function planStrategy(context: StrategyContext<Strategy>): void {
  moduleOf(context.strategy).plan(context);
}

/** Why the spec's strategy can never be planned, or undefined: what planDeployment refuses. */
export function unplannable(spec: DeploymentSpec): PlanError | undefined {
  return moduleOf(spec.strategy).refusal?.(spec.strategy, spec);
}

/** Why a new deployment of the spec is refused, or undefined: unplannable, or against an admission rule. */
export function strategyRefusal(spec: DeploymentSpec): PlanError | undefined {
  return unplannable(spec) ?? moduleOf(spec.strategy).admission?.(spec.strategy, spec);
}

/** How a fleet takes the spec's strategy: in waves of hosts, or all hosts in lockstep. */
export function fleetModeOf(spec: DeploymentSpec): 'waves' | 'lockstep' {
  return moduleOf(spec.strategy).fleet;
}

export function previewOf(spec: DeploymentSpec): Preview | undefined {
  return moduleOf(spec.strategy).preview?.(spec.strategy);
}
