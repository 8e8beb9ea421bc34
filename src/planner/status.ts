/**
 * The status a deployment reports (`sluice status`, the status Query, the Web
 * UI's current details) is a fold over events the workflow records. Keeping
 * the fold pure keeps the workflow thin and lets unit tests pin every field.
 */
import type {
  Decision,
  DeploymentStatus,
  GateKind,
  HostStatus,
  Outcome,
  Phase,
  Plan,
  ReplicaStatus,
  Routing,
  Step,
  StepPhase,
} from '../domain';
import { describeGate, describeRouting, percentWeights } from './describe';

export type StatusEvent =
  | { type: 'planned'; plan: Plan; image: string; observedReplicas: Record<string, number[]>; routing: Routing; at: string }
  | { type: 'stepStarted'; number: number; total: number; summary: string; phase: StepPhase; rollback: boolean; at: string }
  | { type: 'stepSucceeded'; step: Step; at: string }
  | { type: 'gateOpened'; gate: GateKind; durationMs?: number; promotable: boolean; at: string }
  | { type: 'gateClosed'; at: string }
  | { type: 'decision'; decision: Decision }
  | { type: 'paused'; paused: boolean; at: string }
  | { type: 'rollbackStarted'; reason: string; at: string }
  | { type: 'finished'; outcome: Outcome; reason?: string; at: string }
  /** A fleet deployment's hosts changed: their states, and what the fleet deploys (from its hosts' plans). */
  | {
      type: 'fleet';
      hosts: HostStatus[];
      image: string;
      strategy: string;
      targetRelease?: string;
      serving?: string;
      /** What the fleet decided before its waves (hosts taken first, and why). */
      notes?: string[];
      at: string;
    };

export function initialStatus(service: string, at: string): DeploymentStatus {
  return {
    service,
    strategy: 'unknown',
    image: 'unknown',
    targetRelease: 'unknown',
    phase: 'pending',
    routing: { peers: [], weights: {} },
    weights: {},
    replicas: {},
    paused: false,
    decisions: [],
    notes: [],
    timeline: [{ phase: 'pending', startedAt: at }],
    startedAt: at,
    updatedAt: at,
  };
}

function withPhase(status: DeploymentStatus, phase: Phase, at: string): DeploymentStatus {
  if (status.phase === phase) return status;
  const timeline = status.timeline.map((span, i) =>
    i === status.timeline.length - 1 && span.durationMs === undefined
      ? { ...span, durationMs: Date.parse(at) - Date.parse(span.startedAt) }
      : span,
  );
  return { ...status, phase, timeline: [...timeline, { phase, startedAt: at }] };
}

function updateReplicas(
  replicas: Record<string, ReplicaStatus>,
  release: string,
  change: (r: ReplicaStatus) => ReplicaStatus,
): Record<string, ReplicaStatus> {
  const next = change(replicas[release] ?? { running: [], healthy: [] });
  const sorted = { running: [...new Set(next.running)].sort((a, b) => a - b), healthy: [...new Set(next.healthy)].sort((a, b) => a - b) };
  const { [release]: _, ...others } = replicas;
  return sorted.running.length === 0 && sorted.healthy.length === 0 ? others : { ...others, [release]: sorted };
}

function applyStep(status: DeploymentStatus, step: Step): DeploymentStatus {
  switch (step.kind) {
    case 'startReplicas':
      return {
        ...status,
        replicas: updateReplicas(status.replicas, step.release, (r) => ({ ...r, running: [...r.running, ...step.slots] })),
      };
    case 'waitHealthy':
      return {
        ...status,
        replicas: updateReplicas(status.replicas, step.release, (r) => ({ ...r, healthy: [...r.healthy, ...step.slots] })),
      };
    case 'stopReplicas':
    case 'removeReplicas': {
      const without = (slots: number[]) => slots.filter((slot) => !step.slots.includes(slot));
      return {
        ...status,
        replicas: updateReplicas(status.replicas, step.release, (r) => ({ running: without(r.running), healthy: without(r.healthy) })),
      };
    }
    case 'route':
      return { ...status, routing: step.routing, weights: percentWeights(step.routing) };
    default:
      return status;
  }
}

export function reduceStatus(status: DeploymentStatus, event: StatusEvent): DeploymentStatus {
  const at = event.type === 'decision' ? event.decision.at : event.at;
  const next = reduce(status, event);
  return { ...next, updatedAt: at };
}

function reduce(status: DeploymentStatus, event: StatusEvent): DeploymentStatus {
  switch (event.type) {
    case 'planned': {
      const replicas = Object.fromEntries(
        Object.entries(event.observedReplicas).map(([release, slots]) => [release, { running: slots, healthy: slots }]),
      );
      return {
        ...status,
        strategy: event.plan.strategy,
        image: event.image,
        targetRelease: event.plan.targetRelease,
        stableRelease: event.plan.stableRelease,
        notes: event.plan.notes,
        routing: event.routing,
        weights: percentWeights(event.routing),
        replicas,
      };
    }
    case 'stepStarted': {
      const step = { number: event.number, total: event.total, summary: event.summary, rollback: event.rollback };
      return withPhase({ ...status, step }, event.rollback ? 'rollingBack' : event.phase, event.at);
    }
    case 'stepSucceeded':
      return applyStep(status, event.step);
    case 'gateOpened': {
      const until = event.durationMs === undefined ? undefined : new Date(Date.parse(event.at) + event.durationMs).toISOString();
      return {
        ...status,
        gate: {
          kind: event.gate,
          description: describeGate(event.gate, event.durationMs),
          since: event.at,
          until,
          promotable: event.promotable,
        },
      };
    }
    case 'gateClosed':
      return { ...status, gate: undefined };
    case 'decision':
      return { ...status, decisions: [...status.decisions, event.decision] };
    case 'paused':
      return { ...status, paused: event.paused };
    case 'rollbackStarted':
      return withPhase({ ...status, gate: undefined, paused: false, reason: event.reason }, 'rollingBack', event.at);
    case 'fleet':
      return {
        ...status,
        hosts: event.hosts,
        image: event.image,
        strategy: event.strategy,
        ...(event.targetRelease ? { targetRelease: event.targetRelease } : {}),
        ...(event.serving ? { serving: event.serving } : {}),
        ...(event.notes ? { notes: event.notes } : {}),
        updatedAt: event.at,
      };
    case 'finished': {
      // A fleet deployment routes nothing itself: what serves is what its hosts said.
      const serving = Object.entries(percentWeights(status.routing)).sort(([, a], [, b]) => b - a)[0]?.[0] ?? status.serving;
      const finalPhase: Phase = event.outcome;
      return withPhase(
        { ...status, outcome: event.outcome, reason: event.reason, serving, gate: undefined, step: undefined },
        finalPhase,
        event.at,
      );
    }
  }
}

/** One line for the Web UI's current details and CI logs. */
export function describeStatus(status: DeploymentStatus): string {
  const step = status.step
    ? ` step ${status.step.number}/${status.step.total}${status.step.rollback ? ' (rollback)' : ''}: ${status.step.summary}`
    : '';
  const gate = status.gate && status.gate.description !== status.step?.summary ? ` | waiting: ${status.gate.description}` : '';
  const paused = status.paused ? ' | PAUSED (sluice resume)' : '';
  const where = status.hosts
    ? `hosts: ${status.hosts.map((host) => `${host.name} ${host.state}`).join(', ')}`
    : `traffic: ${describeRouting(status.routing)}`;
  return `${status.service} ${status.phase}${step} | ${where}${gate}${paused}`;
}
