/**
 * Blue-green: start the whole new release beside the old one, optionally
 * expose it on the preview route, switch all traffic at once when promoted (or
 * after autoPromoteAfter), keep the old release warm for scaleDownDelay so a
 * rollback is one routing change, then drain and stop it.
 */
import { z } from 'zod';
import { DAY, duration, previewRoute } from '../shared/spec';
import { group, type StrategyContext } from './context';
import { slotRange } from './builder';
import { PlanError } from './errors';
import type { StrategyModule } from './strategy';

const schema = z
  .object({
    type: z.literal('blueGreen'),
    preview: previewRoute.optional(),
    autoPromoteAfter: duration('5m').optional(),
    scaleDownDelay: duration('30s', { max: DAY }).prefault('30s'),
  })
  .strict();

export type BlueGreenStrategy = z.output<typeof schema>;

function planBlueGreen({ spec, strategy, target, stable, builder }: StrategyContext<BlueGreenStrategy>): void {
  const green = group(target, slotRange(0, spec.replicas));
  const preview = strategy.preview ? { preview: target } : {};
  builder.start(target, green.slots);
  builder.route({ peers: [stable, green], weights: { [stable.release]: 100 }, ...preview });
  builder.pause('promotion', strategy.autoPromoteAfter);
  builder.route({ peers: [stable, green], weights: { [target]: 100 } });
  builder.pause('scaleDownDelay', strategy.scaleDownDelay);
  builder.route({ peers: [green], weights: { [target]: 100 } });
  builder.stop(stable.release, stable.slots);
}

/**
 * A preview header must carry a secret value: with any value, any client could reach the release
 * under test. An admission rule (added after deployments had begun): neither the spec schema the
 * workflow re-validates its input with nor planDeployment checks it, so those deployments replay.
 */
function openPreview(strategy: BlueGreenStrategy): PlanError | undefined {
  const { preview } = strategy;
  if (preview?.header === undefined || preview.headerValueFrom !== undefined) return undefined;
  return new PlanError(
    'strategy.preview.headerValueFrom',
    `the preview header ${preview.header} needs a secret value: set headerValueFrom: { fromEnv: NAME } (or fromFile) naming where the worker finds it; with any value, any client could reach the release under test`,
  );
}

export const blueGreen = {
  schema,
  fleet: 'lockstep',
  plan: planBlueGreen,
  admission: openPreview,
  preview: (strategy) => strategy.preview,
} satisfies StrategyModule<BlueGreenStrategy>;
