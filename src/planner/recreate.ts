/**
 * Recreate: take the old release out of traffic and stop it, then start the
 * new one. Requests between the two fail: that downtime is the point of this
 * strategy (for apps that cannot run two releases at once), and the docs say so.
 */
import { z } from 'zod';
import { group, type StrategyContext } from './context';
import { slotRange } from './builder';
import type { StrategyModule } from './strategy';

const schema = z.object({ type: z.literal('recreate') }).strict();

export type RecreateStrategy = z.output<typeof schema>;

function planRecreate({ spec, target, stable, builder, notes }: StrategyContext<RecreateStrategy>): void {
  notes.push('recreate stops every old replica before the new ones start: requests fail until the new release is healthy');
  builder.route({ peers: [], weights: {} });
  builder.stop(stable.release, stable.slots);
  const fresh = group(target, slotRange(0, spec.replicas));
  builder.start(target, fresh.slots);
  builder.route({ peers: [fresh], weights: { [target]: 100 } });
}

export const recreate = { schema, fleet: 'waves', plan: planRecreate } satisfies StrategyModule<RecreateStrategy>;
