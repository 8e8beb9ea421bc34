/**
 * Canary: run the spec's steps in order. Before a weight is set, the canary
 * gets enough replicas to carry it (ceil(replicas x weight), at least one), so
 * capacity grows with traffic; the stable release keeps all its replicas until
 * the canary takes everything. After the last step comes full promotion.
 */
import { z } from 'zod';
import { analysis, duration } from '../shared/spec';
import { group, type StrategyContext } from './context';
import { slotRange } from './builder';
import type { StrategyModule } from './strategy';

const WEIGHT = { error: 'expected a weight from 0 to 100' };

const step = z
  .object({
    setWeight: z.number(WEIGHT).int().min(0, WEIGHT).max(100, WEIGHT).optional(),
    pause: z
      .object({ duration: duration('5m').optional() })
      .strict()
      .optional(),
    analysis: analysis.optional(),
  })
  .strict()
  .refine((s) => [s.setWeight, s.pause, s.analysis].filter((v) => v !== undefined).length === 1, {
    error: 'each canary step is exactly one of setWeight, pause or analysis',
  });

const schema = z
  .object({
    type: z.literal('canary'),
    steps: z.array(step).min(1, { error: 'a canary needs at least one step, like { setWeight: 10 }' }).max(100),
  })
  .strict()
  .superRefine((c, ctx) => {
    let previous = -1;
    c.steps.forEach((step, index) => {
      if (step.setWeight === undefined) return;
      if (step.setWeight <= previous) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'setWeight'],
          message: `weights must increase: ${step.setWeight} follows ${previous}`,
          input: step.setWeight,
        });
      }
      previous = step.setWeight;
    });
  });

export type CanaryStrategy = z.output<typeof schema>;

export function canaryReplicasFor(weight: number, replicas: number): number {
  if (weight === 0) return 0;
  return weight === 100 ? replicas : Math.max(1, Math.ceil((replicas * weight) / 100));
}

function planCanary({ spec, strategy, target, stable, builder }: StrategyContext<CanaryStrategy>): void {
  let canaryCount = 0;
  const setWeight = (weight: number) => {
    const needed = canaryReplicasFor(weight, spec.replicas);
    if (needed > canaryCount) {
      builder.start(target, slotRange(canaryCount, needed));
      canaryCount = needed;
    }
    const canary = group(target, slotRange(0, canaryCount));
    builder.route({ peers: canaryCount > 0 ? [stable, canary] : [stable], weights: { [stable.release]: 100 - weight, [target]: weight } });
  };

  for (const step of strategy.steps) {
    if (step.setWeight !== undefined) setWeight(step.setWeight);
    else if (step.pause) builder.pause('canaryPause', step.pause.duration);
    else if (step.analysis) builder.analysis(target, step.analysis);
  }
  setWeight(100);
  builder.route({ peers: [group(target, slotRange(0, spec.replicas))], weights: { [target]: 100 } });
  builder.stop(stable.release, stable.slots);
}

export const canary = { schema, fleet: 'lockstep', plan: planCanary } satisfies StrategyModule<CanaryStrategy>;
