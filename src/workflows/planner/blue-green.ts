/**
 * Blue-green: start the whole new release beside the old one, optionally
 * expose it on the preview route, switch all traffic at once when promoted (or
 * after autoPromoteAfter), keep the old release warm for scaleDownDelay so a
 * rollback is one routing change, then drain and stop it.
 */
import type { BlueGreenStrategy } from '../../shared/spec';
import { group, type StrategyContext } from './context';
import { slotRange } from './builder';

export function planBlueGreen({ spec, strategy, target, stable, builder }: StrategyContext<BlueGreenStrategy>): void {
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
