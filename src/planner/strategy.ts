/**
 * What a strategy is to the planner. Each strategy is one module (rolling.ts, blue-green.ts,
 * canary.ts, recreate.ts) exporting one of these; strategies.ts lists them by their spec type.
 * The planner frames every plan (router, migrations, clean-up); a strategy plans the middle.
 */
import type { BlueGreenStrategy, DeploymentSpec, Strategy, StrategyType } from '../shared/spec';
import type { StrategyContext } from './context';
import type { PlanError } from './errors';

export type StrategyOf<T extends StrategyType> = Extract<Strategy, { type: T }>;

/** A second route to the release under test, beside the main one. */
export type Preview = NonNullable<BlueGreenStrategy['preview']>;

export interface StrategyPlanner<T extends StrategyType> {
  /** From the stable release serving to the target serving: starts, routes, gates, stops. */
  plan(context: StrategyContext<StrategyOf<T>>): void;
  /** What no state of the host could make work (a rolling budget of 0): planning refuses it. */
  refusal?(strategy: StrategyOf<T>, spec: DeploymentSpec): PlanError | undefined;
  /**
   * A rule for new deployments (an open preview): refused before one is planned, and by `sluice
   * validate`, but not by planDeployment itself, which also replays deployments begun before the rule.
   */
  admission?(strategy: StrategyOf<T>, spec: DeploymentSpec): PlanError | undefined;
  /** The preview route the router serves for the release under test, if the strategy has one. */
  preview?(strategy: StrategyOf<T>): Preview | undefined;
}
