/**
 * What a strategy is. Each strategy is one module (rolling.ts, blue-green.ts, canary.ts,
 * recreate.ts) exporting one of these: its part of the spec schema, the rules no schema can
 * say, and its plan. strategies.ts lists them; the planner frames every plan (router,
 * migrations, clean-up) and a strategy plans the middle.
 */
import type { z } from 'zod';
import type { Preview, SpecFields } from '../shared/spec';
import type { StrategyContext } from './context';
import type { PlanError } from './errors';

export interface StrategyModule<S extends { type: string }> {
  /** The spec's `strategy:` object when its `type` is this strategy's: fields, defaults and checks. */
  schema: z.ZodType<S, unknown>;
  /**
   * How a fleet takes it: host by host in waves (rolling, recreate), or every host at once in
   * lockstep, each at the same gate before one promote answers them all (canary, blue-green: a
   * weight is then true of the whole service).
   */
  fleet: 'waves' | 'lockstep';
  /** From the stable release serving to the target serving: starts, routes, gates, stops. */
  plan(context: StrategyContext<S>): void;
  /** What no state of the host could make work (a rolling budget of 0): planning refuses it. */
  refusal?(strategy: S, spec: SpecFields): PlanError | undefined;
  /**
   * A rule for new deployments (an open preview): refused before one is planned, and by `sluice
   * validate`, but not by planDeployment itself, which also replays deployments begun before the rule.
   */
  admission?(strategy: S, spec: SpecFields): PlanError | undefined;
  /** The preview route the router serves for the release under test, if the strategy has one. */
  preview?(strategy: S): Preview | undefined;
}
