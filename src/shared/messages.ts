/**
 * The deployment workflow's contract with the outside: its input and result,
 * and the messages people and CI send it. Promote is an Update (the caller
 * learns at once whether it was accepted, and why not); abort, pause and
 * resume are Signals (durable even when no worker is up); status is a Query.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Decision, DeploymentStatus, GateKind, HostReport, HostStatus, KnownHost, Outcome, PhaseSpan } from '../domain';

export const DEPLOY_WORKFLOW_TYPE = 'deploy';
/** `sluice plan`: a short workflow that observes and plans on a worker, touching nothing. */
export const PLAN_WORKFLOW_TYPE = 'planPreview';

export interface DeployInput {
  /** The spec document as the user wrote it (after YAML/JSON parsing); the workflow validates it again. */
  spec: unknown;
  /** Who started it: a user name, or CI's job id. */
  requestedBy: string;
  /** Set by a fleet deployment for the deployment of one of its hosts (a child workflow): absent, the single host. */
  host?: HostAssignment;
}

/** One host's part of a fleet deployment: where its activities run and whom it reports to. */
export interface HostAssignment {
  name: string;
  /** The host's own task queue (hostTaskQueue): every activity of this deployment runs there. */
  taskQueue: string;
  /** The fleet deployment's workflow id: the host reports its plan and its gates there, and waits for it at the fleet gate. */
  fleetWorkflowId: string;
  /** Its run: a report never reaches a later deployment of the service. */
  fleetRunId: string;
}

/** The workflow type of one host's deployment within a fleet: the deploy workflow, listed apart from the service's deployments. */
export const HOST_DEPLOY_WORKFLOW_TYPE = 'deployHost';

export interface CompensationFailure {
  summary: string;
  message: string;
}

export interface DeployResult {
  outcome: Outcome;
  reason?: string;
  service: string;
  targetRelease: string;
  stableRelease?: string;
  /** The release taking traffic now. */
  serving?: string;
  timeline: PhaseSpan[];
  decisions: Decision[];
  /** Undo steps that failed: what a person must finish by hand. Empty when the rollback was clean. */
  compensationFailures: CompensationFailure[];
  /**
   * Set when a step past the point of no return failed: that step and every one after it,
   * none of them undone. Deploying the same spec again finishes them.
   */
  leftToDo?: string[];
  /** A fleet deployment's hosts: how each one ended. */
  hosts?: HostStatus[];
}

/** Who sent a message, and why: recorded in the status and the history. */
export interface Actor {
  by: string;
  reason?: string;
}

export interface PromoteRequest extends Actor {
  /** Skip every remaining pause and analysis (replicas still start and turn healthy before taking traffic). */
  full?: boolean;
}

export interface PromoteResponse {
  gate?: GateKind;
  full: boolean;
  /** Received but without effect (the deployment is rolling back); recorded among the decisions. */
  ignored?: boolean;
  message: string;
}

export const promoteUpdate = defineUpdate<PromoteResponse, [PromoteRequest]>('promote');
export const abortSignal = defineSignal<[Actor]>('abort');
export const pauseSignal = defineSignal<[Actor]>('pause');
export const resumeSignal = defineSignal<[Actor]>('resume');
export const statusQuery = defineQuery<DeploymentStatus>('status');

/** A host's deployment tells its fleet deployment where it stands: its release once planned, each gate it reaches. */
export const hostReportSignal = defineSignal<[HostReport]>('hostReport');
/** A promote the fleet passes on to its hosts: for the gate every host waited at (absent for a full promotion). */
export interface FleetPromoteRequest extends PromoteRequest {
  gate?: { kind: GateKind; number: number };
}

/** The fleet deployment answers a gate on a host (what `sluice promote` does for one deployment). */
export const fleetPromoteSignal = defineSignal<[FleetPromoteRequest]>('fleetPromote');
/** The fleet deployment lets a host past the fleet gate: every host is ready, the clean-up may begin. */
export const fleetProceedSignal = defineSignal<[]>('fleetProceed');

/** The host registry (workflows/hosts.ts): every host's worker introduces itself at start; `sluice hosts` asks. */
export const HOST_REGISTRY_WORKFLOW_TYPE = 'hostRegistry';
export const hostSeenSignal = defineSignal<[KnownHost]>('hostSeen');
export const hostsQuery = defineQuery<KnownHost[]>('hosts');
/** A fleet deployment ended: the release it left serving on each host (an empty release: nothing known, the host was lost). */
export const hostsServingSignal = defineSignal<[{ service: string; serving: Record<string, string> }]>('hostsServing');
