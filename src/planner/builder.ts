/**
 * The one place that turns strategy intent into steps. It tracks the routing
 * state and which replicas run as steps are added, so every route step is
 * absolute and every step's undo is exact. Strategies only say what they want.
 */
import type { AnalysisSpec, GateKind, MigrationDirection, PlannedStep, ReplicaGroup, Routing, Step } from '../domain';
import { describeStep } from './describe';
import { PlanError } from './errors';

export const EMPTY_ROUTING: Routing = { peers: [], weights: {} };

export function slotRange(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** The replicas a routing sends to, release by release, in a canonical order. */
function routedPeers(routing: Routing): string {
  return JSON.stringify(
    routing.peers
      .filter((g) => g.slots.length > 0)
      .map((g) => ({ release: g.release, slots: [...g.slots].sort((x, y) => x - y) }))
      .sort((x, y) => (x.release < y.release ? -1 : 1)),
  );
}

/** Two routings are the same when they send the same share of traffic to the same replicas ({v1: 1} equals {v1: 100}). */
export function sameRouting(a: Routing, b: Routing): boolean {
  if (routedPeers(a) !== routedPeers(b) || (a.preview ?? null) !== (b.preview ?? null)) return false;
  const total = (r: Routing) => Object.values(r.weights).reduce((sum, w) => sum + Math.max(0, w), 0);
  const [totalA, totalB] = [total(a), total(b)];
  const releases = new Set([...Object.keys(a.weights), ...Object.keys(b.weights)]);
  return [...releases].every((release) => Math.max(0, a.weights[release] ?? 0) * totalB === Math.max(0, b.weights[release] ?? 0) * totalA);
}

export class PlanBuilder {
  private readonly steps: PlannedStep[] = [];
  private routing: Routing;
  /** Slots running per release, as of the end of the plan so far. */
  private readonly running = new Map<string, Set<number>>();

  constructor(initialRouting: Routing, runningNow: ReplicaGroup[]) {
    this.routing = initialRouting;
    for (const group of runningNow) this.running.set(group.release, new Set(group.slots));
  }

  private add(step: Step, undo: Step[]): this {
    this.steps.push({ step, undo, ...describeStep(step) });
    return this;
  }

  prepareRouter(): this {
    return this.add({ kind: 'prepareRouter' }, []);
  }

  migrate(direction: Exclude<MigrationDirection, 'rollbackExpand'>): this {
    return this.add({ kind: 'migrate', direction }, direction === 'expand' ? [{ kind: 'migrate', direction: 'rollbackExpand' }] : []);
  }

  /** Start replicas and wait until they are healthy. Undo removes what was started. */
  start(release: string, slots: number[]): this {
    if (slots.length === 0) return this;
    const set = this.running.get(release) ?? new Set<number>();
    const wasRunning = slots.filter((slot) => set.has(slot));
    if (wasRunning.length > 0) throw new PlanError('(plan)', `planner bug: slots ${wasRunning.join(',')} of ${release} already run`);
    slots.forEach((slot) => set.add(slot));
    this.running.set(release, set);
    this.add({ kind: 'startReplicas', release, slots }, [{ kind: 'removeReplicas', release, slots }]);
    return this.add({ kind: 'waitHealthy', release, slots }, []);
  }

  /** Set the whole routing state; a no-op when nothing changes. Undo restores the state before. */
  route(next: Routing): this {
    if (sameRouting(next, this.routing)) return this;
    for (const group of next.peers) {
      const notRunning = group.slots.filter((slot) => !this.running.get(group.release)?.has(slot));
      if (notRunning.length > 0)
        throw new PlanError('(plan)', `planner bug: routing to ${group.release} slots ${notRunning.join(',')} that do not run`);
    }
    const previous = this.routing;
    this.routing = next;
    return this.add({ kind: 'route', routing: next }, [{ kind: 'route', routing: previous }]);
  }

  /** Stop (but keep) replicas that no longer receive traffic. Undo starts them again and waits for health. */
  stop(release: string, slots: number[]): this {
    if (slots.length === 0) return this;
    const routed = this.routing.peers.find((g) => g.release === release)?.slots.filter((s) => slots.includes(s)) ?? [];
    if (routed.length > 0)
      throw new PlanError('(plan)', `planner bug: stopping ${release} slots ${routed.join(',')} while they are routed`);
    slots.forEach((slot) => this.running.get(release)?.delete(slot));
    return this.add({ kind: 'stopReplicas', release, slots }, [
      { kind: 'startReplicas', release, slots },
      { kind: 'waitHealthy', release, slots },
    ]);
  }

  /** Remove stopped replicas for good: only once nothing can roll back to them. */
  remove(release: string, slots: number[]): this {
    if (slots.length === 0) return this;
    slots.forEach((slot) => this.running.get(release)?.delete(slot));
    return this.add({ kind: 'removeReplicas', release, slots }, []);
  }

  pause(gate: GateKind, durationMs: number | undefined, promotable = true): this {
    if (durationMs === 0) return this;
    return this.add({ kind: 'pause', gate, ...(durationMs !== undefined ? { durationMs } : {}), promotable }, []);
  }

  analysis(release: string, analysis: AnalysisSpec): this {
    return this.add({ kind: 'analysis', release, analysis }, []);
  }

  build(): PlannedStep[] {
    return [...this.steps];
  }
}
