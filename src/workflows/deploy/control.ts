/**
 * What people and CI change while a deployment runs, and the status they read:
 * one object holds the state the message handlers mutate, with the handlers as
 * its methods (the shape of Temporal's safe-message-handlers sample). Only the
 * handlers and the workflow's own progress write it; the workflow reads it
 * between steps.
 */
import { ApplicationFailure, CancellationScope, log, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  abortSignal,
  fleetProceedSignal,
  fleetPromoteSignal,
  pauseSignal,
  promoteUpdate,
  resumeSignal,
  statusQuery,
} from '../../shared/messages';
import type { Actor, FleetPromoteRequest, PromoteRequest, PromoteResponse } from '../../shared/messages';
import { gateName } from '../../planner/describe';
import { GATES_A_FULL_PROMOTION_KEEPS, type Decision, type DecisionKind, type DeploymentStatus, type GateKind } from '../../domain';
import { describeStatus, initialStatus, reduceStatus, type StatusEvent } from '../../planner/status';
import { searchAttributeUpdates } from '../../shared/search-attributes';

export const TOO_LATE_TO_ABORT =
  'too late: contract migrations or the removal of the old release have begun, so the deployment only goes forward; deploy the previous release instead';

/** The actor recorded when the workflow itself is cancelled rather than aborted with `sluice abort`. */
export const WORKFLOW_CANCELLATION: Actor = { by: 'temporal', reason: 'the workflow was cancelled (Web UI, CLI or API)' };

/** Workflow time, as the status records it. */
export const now = () => new Date().toISOString();

/** A gate the deployment waits at: a pause, an inconclusive analysis or the contract gate. */
export interface Gate {
  kind: GateKind;
  promotable: boolean;
  answered: boolean;
  /** Which gate of this deployment it is (1 for the first opened): how a fleet tells the same gate on every host. */
  number?: number;
}

function isActor(value: unknown): value is Actor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Actor).by === 'string' &&
    (value as Actor).by.length > 0 &&
    ((value as Actor).reason === undefined || typeof (value as Actor).reason === 'string')
  );
}

export class DeploymentControl {
  status: DeploymentStatus;
  /** The gate waiting right now, if any. */
  gate: Gate | undefined;
  /** Held by `sluice pause`: the plan stops after the current step. */
  paused = false;
  /** A full promotion was accepted: the remaining pauses and analyses are skipped (never the contract gate). */
  promoteFull = false;
  /** The last promote accepted: a fleet deployment passes it on to its hosts. */
  lastPromote: PromoteRequest | undefined;
  /** Who aborted with `sluice abort`, once accepted. */
  abortedBy: Actor | undefined;
  rollingBack = false;
  finished = false;
  /** Set when contract migrations or the removal of the old release begin: from then on there is nothing to roll back to. */
  pastPointOfNoReturn = false;
  /** A fleet host's deployment: the fleet let it past the fleet gate (fleetProceedSignal). */
  fleetProceeded = false;
  /** A fleet host's deployment: it has waited at the fleet gate, which comes once. */
  fleetGatePassed = false;
  /** A fleet host's deployment: no worker took its work within hostLostAfter; until one takes it, its work waits for the worker. */
  hostLost = false;
  /** How many gates this deployment has opened: the number of the one open now. */
  gatesOpened = 0;
  /** The scope the forward plan runs in: an accepted abort cancels it. */
  readonly forward = new CancellationScope();

  constructor(service: string) {
    this.status = initialStatus(service, now());
  }

  /** Handlers first: a message that arrives with the first task must find them. */
  registerHandlers(): void {
    setHandler(statusQuery, () => this.status);
    setHandler(promoteUpdate, (request: PromoteRequest) => this.promote(request), {
      validator: (request: PromoteRequest) => this.validatePromote(request),
    });
    setHandler(abortSignal, (actor: Actor) => this.abort(actor));
    setHandler(pauseSignal, (actor: Actor) => this.pause(actor));
    setHandler(resumeSignal, (actor: Actor) => this.resume(actor));
    setHandler(fleetPromoteSignal, (request: PromoteRequest) => this.promoteFromFleet(request));
    setHandler(fleetProceedSignal, () => {
      this.fleetProceeded = true;
    });
  }

  /**
   * The fleet answers this host's gate as `sluice promote` would, naming the gate it means (the one
   * every host waited at): a host that has moved on to another gate ignores it, as it does a promote
   * the validator refuses, recording why.
   */
  promoteFromFleet(request: FleetPromoteRequest): void {
    const { gate: meant, ...promote } = request;
    const { gate } = this;
    if (meant && (gate?.kind !== meant.kind || gate.number !== meant.number)) {
      if (isActor(promote))
        this.decide('promote', promote, 'ignored', `meant for gate ${meant.number} (${meant.kind}), which this host has passed`);
      return;
    }
    try {
      this.validatePromote(promote);
    } catch (refused) {
      if (isActor(promote)) this.decide('promote', promote, 'ignored', (refused as Error).message);
      return;
    }
    this.promote(promote);
  }

  /** Folds an event into the status, and tells the Web UI (details, and the phase search attribute when it changes). */
  record(event: StatusEvent): void {
    const before = this.status.phase;
    this.status = reduceStatus(this.status, event);
    setCurrentDetails(describeStatus(this.status));
    if (this.status.phase !== before) upsertSearchAttributes(searchAttributeUpdates({ phase: this.status.phase }));
  }

  decide(kind: DecisionKind, actor: Actor, result: Decision['result'], note?: string): void {
    this.record({
      type: 'decision',
      decision: { kind, by: actor.by, ...(actor.reason ? { reason: actor.reason } : {}), at: now(), result, ...(note ? { note } : {}) },
    });
    log.info(`${kind} by ${actor.by}: ${result}${note ? ` (${note})` : ''}`);
  }

  /** Who stopped the forward plan: an accepted abort, or a cancellation of the workflow itself (Web UI, API). */
  stoppedBy(): Actor | undefined {
    return this.abortedBy ?? (this.forward.consideredCancelled ? WORKFLOW_CANCELLATION : undefined);
  }

  /** From here on gates, pauses and aborts have no say: the rollback runs to its end. */
  beginRollback(reason: string): void {
    this.rollingBack = true;
    this.gate = undefined;
    this.paused = false;
    this.record({ type: 'rollbackStarted', reason, at: now() });
  }

  validatePromote(request: PromoteRequest): void {
    if (!isActor(request))
      throw ApplicationFailure.create({ type: 'InvalidMessage', message: 'promote needs { by: string, reason?: string, full?: boolean }' });
    if (this.finished)
      throw ApplicationFailure.create({ type: 'NothingToPromote', message: `the deployment has finished (${this.status.phase})` });
    if (request.full === true && this.gate?.kind === 'hostFailed' && !this.rollingBack)
      throw ApplicationFailure.create({
        type: 'NothingToPromote',
        message:
          'a host failed and the fleet holds: `sluice promote` (without --full) starts the failed hosts again and goes on, `sluice abort` rolls the fleet back',
      });
    if (this.rollingBack || request.full === true) return; // during a rollback the handler records it as ignored
    const { gate, status } = this;
    if (!gate)
      throw ApplicationFailure.create({
        type: 'NothingToPromote',
        message: `no gate is waiting (phase ${status.phase}${status.step ? `, step ${status.step.number}/${status.step.total}: ${status.step.summary}` : ''}); promote answers pauses, inconclusive analyses and the contract gate`,
      });
    if (!gate.promotable)
      throw ApplicationFailure.create({
        type: 'NothingToPromote',
        message: `the ${gateName(gate.kind)} is a timer, not a gate; use promote --full to skip the remaining pauses`,
      });
  }

  promote(request: PromoteRequest): PromoteResponse {
    const full = request.full === true;
    // Recorded, not rejected: when promote and abort race, the history shows both.
    if (this.rollingBack) {
      this.decide('promote', request, 'ignored', 'the deployment is rolling back');
      return { full, ignored: true, message: 'ignored: the deployment is rolling back' };
    }
    this.decide('promote', request, 'accepted', full ? 'full promotion: remaining pauses and analyses are skipped' : undefined);
    this.lastPromote = request;
    if (full) this.promoteFull = true;
    // A full promotion skips pauses and analyses, never the contract gate: that one needs its own promote.
    const { gate } = this;
    // Nor the fleet gate (only the fleet lets a host past it) or a failed host's (someone decides).
    const answered = gate && (full ? !GATES_A_FULL_PROMOTION_KEEPS.includes(gate.kind) : gate.promotable) ? gate : undefined;
    if (answered) answered.answered = true;
    const message = answered
      ? `promoted past the ${gateName(answered.kind)}`
      : gate?.kind === 'contract'
        ? 'full promotion: the remaining pauses and analyses will be skipped; the contract gate waits for its own `sluice promote`'
        : 'full promotion: the remaining pauses and analyses will be skipped';
    return { ...(answered ? { gate: answered.kind } : {}), full, message };
  }

  abort(actor: Actor): void {
    if (!isActor(actor)) return log.warn('ignored an abort signal without { by: string }', { payload: actor });
    if (this.finished) return this.decide('abort', actor, 'ignored', 'the deployment has finished');
    if (this.rollingBack) return this.decide('abort', actor, 'ignored', 'already rolling back');
    if (this.pastPointOfNoReturn) return this.decide('abort', actor, 'ignored', TOO_LATE_TO_ABORT);
    this.abortedBy = actor;
    this.decide('abort', actor, 'accepted');
    this.forward.cancel();
  }

  pause(actor: Actor): void {
    if (!isActor(actor)) return log.warn('ignored a pause signal without { by: string }', { payload: actor });
    if (this.finished || this.rollingBack || this.paused)
      return this.decide(
        'pause',
        actor,
        'ignored',
        this.finished ? 'the deployment has finished' : this.rollingBack ? 'a rollback is never paused' : 'already paused',
      );
    this.paused = true;
    this.decide('pause', actor, 'accepted', 'the plan holds after the current step');
    this.record({ type: 'paused', paused: true, at: now() });
  }

  resume(actor: Actor): void {
    if (!isActor(actor)) return log.warn('ignored a resume signal without { by: string }', { payload: actor });
    if (!this.paused) return this.decide('resume', actor, 'ignored', 'not paused');
    this.paused = false;
    this.decide('resume', actor, 'accepted');
    this.record({ type: 'paused', paused: false, at: now() });
  }
}
