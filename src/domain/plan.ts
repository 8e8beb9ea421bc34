/**
 * The vocabulary of a plan. A plan is an ordered list of steps; each step names
 * the side effect the workflow asks an activity for, and carries its own undo
 * (computed at planning time, from the state before the step). Pure data:
 * it travels through workflow history and must stay JSON.
 */
import type { ContainerTemplate } from './release';
import type { Routing } from './routing';

/** Why the workflow waits: each kind is answered by `sluice promote` or by its timer. */
export type GateKind =
  | 'canaryPause'
  | 'promotion'
  | 'scaleDownDelay'
  | 'batchDelay'
  | 'contract'
  | 'inconclusiveAnalysis'
  /** A host of a fleet, ready for its clean-up, waits for the other hosts (released by the fleet deployment, not by promote). */
  | 'fleet'
  /** A fleet deployment between two waves. */
  | 'betweenWaves'
  /** A fleet deployment held after a host failed (onFailure: pause): promote retries the failed hosts and goes on. */
  | 'hostFailed';

/**
 * Gates a full promotion does not pass: the contract gate needs its own promote, only the fleet lets a
 * host past the fleet gate, and a failed host needs someone to decide.
 */
export const GATES_A_FULL_PROMOTION_KEEPS: readonly GateKind[] = ['contract', 'fleet', 'hostFailed'];

export type MigrationDirection = 'expand' | 'contract' | 'rollbackExpand';

/** When a canary's metrics pass: samples taken every `interval` ms, judged against these bounds. */
export interface AnalysisSpec {
  interval: number;
  count: number;
  maxErrorRate: number;
  /** Milliseconds. */
  maxLatencyP99?: number;
  minRequests: number;
  failureLimit: number;
}

export type Step =
  | { kind: 'prepareRouter' }
  | { kind: 'migrate'; direction: MigrationDirection }
  | { kind: 'startReplicas'; release: string; slots: number[] }
  | { kind: 'waitHealthy'; release: string; slots: number[] }
  | { kind: 'route'; routing: Routing }
  | { kind: 'stopReplicas'; release: string; slots: number[] }
  | { kind: 'removeReplicas'; release: string; slots: number[] }
  | { kind: 'pause'; gate: GateKind; durationMs?: number; promotable: boolean }
  | { kind: 'analysis'; release: string; analysis: AnalysisSpec };

export type StepKind = Step['kind'];

/** Phases whose steps a progress deadline bounds (gates wait for people and are not bounded). */
export const DEADLINE_PHASES = [
  'preparing',
  'migrating',
  'starting',
  'shifting',
  'analyzing',
  'draining',
  'contracting',
  'cleaningUp',
] as const;
export type DeadlinePhase = (typeof DEADLINE_PHASES)[number];

/** Phases of the forward plan. Deadline phases are bounded by `progressDeadline`; `paused` waits for people. */
export type StepPhase = DeadlinePhase | 'paused';

export interface PlannedStep {
  step: Step;
  phase: StepPhase;
  /** Steps that undo this one, in the order they run. Registered before the step starts, so a partial step is undone too. */
  undo: Step[];
  /** One line for people: the Web UI's activity summary and `sluice plan`. */
  summary: string;
}

export interface Plan {
  service: string;
  strategy: string;
  targetRelease: string;
  /** How the target release's containers are made (absent in plans recorded before it was part of the plan). */
  template?: ContainerTemplate;
  /** The release serving before this deployment, if any: where a rollback returns. */
  stableRelease?: string;
  /** The routing the plan starts from: what the router had, minus replicas that no longer run. */
  initialRouting: Routing;
  steps: PlannedStep[];
  /** Things the planner decided that a person should know ("first deploy: canary steps skipped"). */
  notes: string[];
}
