/**
 * An in-memory stand-in for Docker, nginx and PostgreSQL behind the activity
 * names the workflow calls. It records every call in the same words as the
 * planner's steps (test/support/plans.ts), so tests compare the calls with
 * plans and rollback plans directly. Failures and hangs are injected per call.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SluiceActivities } from '../../../src/activities';
import type { ReleaseTraffic } from '../../../src/activities/ports';
import { planDeployment } from '../../../src/planner/plan';
import type { ObservedService, Routing, Step } from '../../../src/domain';
import { PlanError } from '../../../src/planner/errors';
import { renderStep } from '../../support/plans';

type Matcher = string | RegExp;

interface Injection {
  match: Matcher;
  kind: 'fail' | 'hang';
  nonRetryable: boolean;
  remaining: number;
  /** A hang that ends by itself after this long (real time); otherwise only cancellation ends it. */
  forMs?: number;
}

const matches = (matcher: Matcher, text: string) => (typeof matcher === 'string' ? text === matcher : matcher.test(text));

export class FakeWorld {
  /** Every side-effecting call, rendered like a plan step ("start v2-…[0]", "route …"). */
  readonly calls: string[] = [];
  readonly running = new Map<string, Set<number>>();
  readonly stopped = new Map<string, Set<number>>();
  routing: Routing;
  samples: ReleaseTraffic[] = [];
  /** Injected hangs that ended by cancellation rather than by running their course. */
  hangsCancelled = 0;
  /** Replicas ("release[slot]") that never turn healthy: a wait tolerating them reports them, any other fails. */
  readonly unhealthy = new Set<string>();
  private injections: Injection[] = [];

  /** When each release's first container was made, in calls: what tells an older release from a newer one. */
  private readonly created = new Map<string, number>();

  constructor(stable?: { release: string; slots: number[] }) {
    this.routing = stable ? { peers: [stable], weights: { [stable.release]: 100 } } : { peers: [], weights: {} };
    if (stable) {
      this.running.set(stable.release, new Set(stable.slots));
      this.created.set(stable.release, 0);
    }
  }

  /** The next call matching `match` fails (non-retryable by default, so tests do not wait for retries). */
  failOn(match: Matcher, options: { nonRetryable?: boolean; times?: number } = {}): this {
    this.injections.push({ match, kind: 'fail', nonRetryable: options.nonRetryable ?? true, remaining: options.times ?? 1 });
    return this;
  }

  /** The next call matching `match` hangs (heartbeating) until the workflow cancels it, or for `forMs`. */
  hangOn(match: Matcher, options: { forMs?: number } = {}): this {
    this.injections.push({ match, kind: 'hang', nonRetryable: false, remaining: 1, forMs: options.forMs });
    return this;
  }

  /** Resolves once a call matching `match` has been made. */
  async reached(match: Matcher, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.calls.some((call) => matches(match, call))) {
      if (Date.now() > deadline) throw new Error(`no call matched ${String(match)}; calls: ${this.calls.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Calls after the first one matching `from`. */
  callsAfter(from: Matcher): string[] {
    const index = this.calls.findIndex((call) => matches(from, call));
    return index === -1 ? [] : this.calls.slice(index + 1);
  }

  runningSlots(release: string): number[] {
    return [...(this.running.get(release) ?? [])].sort((a, b) => a - b);
  }

  private async enter(step: Step): Promise<void> {
    const text = renderStep(step);
    this.calls.push(text);
    const injection = this.injections.find((i) => i.remaining > 0 && matches(i.match, text));
    if (!injection) return;
    injection.remaining--;
    if (injection.kind === 'fail') {
      throw ApplicationFailure.create({
        type: 'InjectedFailure',
        message: `injected failure at "${text}"`,
        nonRetryable: injection.nonRetryable,
      });
    }
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat('hanging'), 50);
    try {
      await (injection.forMs === undefined
        ? ctx.cancelled
        : Promise.race([ctx.cancelled, new Promise((resolve) => setTimeout(resolve, injection.forMs))]));
    } catch (error) {
      this.hangsCancelled++;
      throw error;
    } finally {
      clearInterval(beat);
    }
  }

  private set(map: Map<string, Set<number>>, release: string): Set<number> {
    return map.get(release) ?? map.set(release, new Set()).get(release)!;
  }

  observe(): ObservedService {
    const group = (map: Map<string, Set<number>>) =>
      [...map.entries()]
        .filter(([, s]) => s.size > 0)
        .map(([release, s]) => ({
          release,
          slots: [...s].sort((a, b) => a - b),
          ...(this.created.has(release) ? { createdAt: this.created.get(release)! } : {}),
        }));
    return {
      releases: group(this.running).map((g) => ({ ...g, image: `image-of-${g.release}` })),
      stopped: group(this.stopped),
      routing: this.routing,
    };
  }

  activities(): SluiceActivities {
    return this.bindActivities(this);
  }

  private bindActivities(world: FakeWorld): SluiceActivities {
    return {
      async observeService(): Promise<ObservedService> {
        return world.observe();
      },
      async observeAndPlan(input) {
        const observed = world.observe();
        try {
          return { plan: planDeployment(input.spec, observed), observed };
        } catch (error) {
          if (error instanceof PlanError)
            throw ApplicationFailure.create({ type: 'PlanRejected', message: error.message, nonRetryable: true });
          throw error;
        }
      },
      async prepareRouter() {
        await world.enter({ kind: 'prepareRouter' });
      },
      async startReplicas(input) {
        await world.enter({ kind: 'startReplicas', release: input.release, slots: input.slots });
        if (
          !input.template &&
          input.slots.some(
            (slot) => !world.set(world.stopped, input.release).has(slot) && !world.set(world.running, input.release).has(slot),
          )
        ) {
          throw ApplicationFailure.create({
            type: 'ReplicaMissing',
            message: `no container for ${input.release} ${input.slots.join(',')}`,
            nonRetryable: true,
          });
        }
        if (!world.created.has(input.release)) world.created.set(input.release, world.calls.length);
        for (const slot of input.slots) {
          world.set(world.running, input.release).add(slot);
          world.set(world.stopped, input.release).delete(slot);
        }
        return [];
      },
      async waitHealthy(input) {
        await world.enter({ kind: 'waitHealthy', release: input.release, slots: input.slots });
        const unhealthy = input.slots.filter((slot) => world.unhealthy.has(`${input.release}[${slot}]`));
        if (unhealthy.length > 0 && (!input.tolerate || unhealthy.length === input.slots.length)) {
          throw ApplicationFailure.create({
            type: 'ReplicaUnhealthy',
            message: `${input.release}[${unhealthy.join(',')}] never turned healthy`,
            nonRetryable: true,
          });
        }
        return {
          healthy: input.slots.filter((slot) => !unhealthy.includes(slot)),
          ...(unhealthy.length > 0 ? { unhealthy } : {}),
          probes: input.slots.length,
        };
      },
      async route(input) {
        await world.enter({ kind: 'route', routing: input.routing });
        world.routing = input.routing;
        return { drained: true, inFlight: 0 };
      },
      async stopReplicas(input) {
        await world.enter({ kind: 'stopReplicas', release: input.release, slots: input.slots });
        for (const slot of input.slots) {
          world.set(world.running, input.release).delete(slot);
          world.set(world.stopped, input.release).add(slot);
        }
      },
      async removeReplicas(input) {
        await world.enter({ kind: 'removeReplicas', release: input.release, slots: input.slots });
        for (const slot of input.slots) {
          world.set(world.running, input.release).delete(slot);
          world.set(world.stopped, input.release).delete(slot);
        }
      },
      async migrate(input) {
        await world.enter({ kind: 'migrate', direction: input.direction });
        return { direction: input.direction, applied: [] };
      },
      async measureRelease() {
        return world.samples.shift() ?? { requests: 100, errors: 0 };
      },
    };
  }
}
