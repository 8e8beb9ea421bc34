/**
 * The status a deployment reports (`sluice status`, the status Query, the Web
 * UI's current details) and how it ends.
 */
import type { GateKind, StepPhase } from './plan';
import type { HostStatus } from './host';
import type { Routing } from './routing';

export type Phase = 'pending' | StepPhase | 'rollingBack' | 'released' | 'rolledBack' | 'aborted' | 'failed';

export type Outcome = 'released' | 'rolledBack' | 'aborted' | 'failed';
export type DecisionKind = 'promote' | 'abort' | 'pause' | 'resume';

export interface Decision {
  kind: DecisionKind;
  by: string;
  reason?: string;
  at: string;
  /** What the workflow did with it: acted on it, or ignored it (and why, in `note`). */
  result: 'accepted' | 'ignored';
  note?: string;
}

export interface GateStatus {
  kind: GateKind;
  description: string;
  since: string;
  until?: string;
  promotable: boolean;
}

export interface ReplicaStatus {
  running: number[];
  healthy: number[];
}

export interface PhaseSpan {
  phase: Phase;
  startedAt: string;
  durationMs?: number;
}

export interface DeploymentStatus {
  service: string;
  strategy: string;
  image: string;
  targetRelease: string;
  stableRelease?: string;
  phase: Phase;
  step?: { number: number; total: number; summary: string; rollback: boolean };
  routing: Routing;
  /** Percent of traffic per release, rounded. */
  weights: Record<string, number>;
  replicas: Record<string, ReplicaStatus>;
  gate?: GateStatus;
  paused: boolean;
  decisions: Decision[];
  notes: string[];
  timeline: PhaseSpan[];
  startedAt: string;
  updatedAt: string;
  outcome?: Outcome;
  reason?: string;
  /** The release taking traffic at the end. */
  serving?: string;
  /** A fleet deployment's hosts, in wave order. */
  hosts?: HostStatus[];
}
