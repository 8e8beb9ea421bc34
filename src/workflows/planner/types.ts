/**
 * The vocabulary of a plan. A plan is an ordered list of steps; each step names
 * the side effect the workflow asks an activity for, and carries its own undo
 * (computed here, at planning time, from the state before the step). Pure data:
 * it travels through workflow history and must stay JSON.
 */
import type { AnalysisSpec, DeadlinePhase } from '../../shared/spec';
import type { ContainerTemplate } from './release';

/** Replicas of one release, by slot (the last part of the container name). */
export interface ReplicaGroup {
  release: string;
  slots: number[];
}

/**
 * The whole traffic picture of a service, always set absolutely: which
 * replicas are in the balancer, the weight of each release, and (blue-green)
 * the release the preview route reaches. Weights are relative integers: a
 * release gets weight / sum of traffic, shared round-robin by its replicas.
 */
export interface Routing {
  peers: ReplicaGroup[];
  weights: Record<string, number>;
  preview?: string;
}

/** Why the workflow waits: each kind is answered by `sluice promote` or by its timer. */
export type GateKind = 'canaryPause' | 'promotion' | 'scaleDownDelay' | 'batchDelay' | 'contract' | 'inconclusiveAnalysis';

export type MigrationDirection = 'expand' | 'contract' | 'rollbackExpand';

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

/** Phases of the forward plan. Deadline phases are bounded by `progressDeadline`; `paused` waits for people. */
export type StepPhase = DeadlinePhase | 'paused';

export type Phase = 'pending' | StepPhase | 'rollingBack' | 'released' | 'rolledBack' | 'aborted' | 'failed';

export interface PlannedStep {
  step: Step;
  phase: StepPhase;
  /** Steps that undo this one, in the order they run. Registered before the step starts, so a partial step is undone too. */
  undo: Step[];
  /** One line for people: the Web UI's activity summary and `sluice plan`. */
  summary: string;
}

/** The ports the router listens on: each service's listeners (traffic and preview), and its own admin port. */
export interface PortClaims {
  services: Record<string, { traffic: number[]; preview?: number }>;
  router: number[];
}

/** Replicas of one release as observed, with when the oldest of them was created (epoch ms; absent in older observations). */
export type ObservedGroup = ReplicaGroup & { createdAt?: number };

/** What runs now, as the workflow's first activity observed it. */
export interface ObservedService {
  /** Running replicas, by release. */
  releases: Array<ObservedGroup & { image: string }>;
  /** Containers that exist but do not run (crashed, or stopped by an interrupted deployment). */
  stopped: ObservedGroup[];
  /** The router's current state for the service; absent when the router has never seen it. */
  routing?: Routing;
  /** The ports every service on this router listens on; absent where it was not observed (older deployments). */
  ports?: PortClaims;
}

/** The image a release runs, as the worker resolved it when planning. */
export interface ResolvedImage {
  /** What the spec named (a tag may move). */
  reference: string;
  /** What containers are created from: `repo@sha256:<digest>` for registry images, the image id for images that exist only on the host. */
  pinned: string;
  /** Docker's image id (the content): part of the release id, so a moved tag is a new release. */
  id: string;
  /** Pulled for this deployment, or already on the host. */
  source: 'pulled' | 'local';
  /** Something a person should know (a pull that failed, so the host's copy is used). */
  note?: string;
}

/** What the worker resolved before planning; it decides the release id. */
export interface Resolution {
  image?: ResolvedImage;
  /** A keyed hash of the secret values (computed by the worker; the values never enter Temporal): a rotated secret is a new release. */
  secretsDigest?: string;
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

/** A spec that is valid on its own but cannot be planned against what runs (e.g. maxSurge and maxUnavailable both resolve to 0). */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
