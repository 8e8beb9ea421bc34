/**
 * The hosts of a fleet deployment: each one's deployment (a child workflow on the shared task
 * queue, its activities on the host's own), where it stands, how it ended, and the gate the hosts
 * share, which the fleet opens to `sluice promote` when every host waits at it.
 */
import {
  ChildWorkflowFailure,
  ApplicationFailure,
  CancellationScope,
  log,
  ParentClosePolicy,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { HostGate, HostReport, HostStatus } from '../../domain';
import { HOST_DEPLOY_WORKFLOW_TYPE, type DeployInput, type DeployResult } from '../../shared/messages';
import { hostDeploymentWorkflowId, hostTaskQueue } from '../../shared/names';
import type { DeploymentSpec } from '../../planner/spec';
import { formatDuration } from '../../shared/duration';
import { hostLostAfterMs } from '../../planner/fleet';
import { messageOf } from '../failures';
import type { deployHost } from '../deploy';

/**
 * How a host's deployment ended: its result (from the value, or from the failure that carries it);
 * a refusal before it touched anything; or another end (terminated, timed out) that says nothing of the host.
 */
export type HostEnding = { result: DeployResult } | { refused: string } | { error: string };

export interface FleetHost {
  status: HostStatus;
  handle?: ChildWorkflowHandle<typeof deployHost>;
  ending?: HostEnding;
  /** No worker of the host took its work within hostLostAfter, and it has not come back since. */
  lost?: boolean;
  /** The fleet told it to roll back. */
  rollingBack?: boolean;
  /** Lost, it was promoted in full to catch up with the fleet should its worker come back. */
  promotedInFull?: boolean;
  /** The release it served before, as its plan said (absent: none, a first deployment). */
  stableRelease?: string;
  /** It reached the fleet gate (ready: its new release serving, its old one stopped); kept when it is lost afterwards. */
  reachedFleetGate?: boolean;
}

export class FleetHosts {
  readonly byName: Map<string, FleetHost>;

  constructor(
    private readonly spec: DeploymentSpec,
    waves: string[][],
    private readonly onChange: () => void,
  ) {
    this.byName = new Map(
      waves.flatMap((wave, index) => wave.map((name) => [name, { status: { name, state: 'waiting', wave: index + 1 } }])),
    );
  }

  all(): FleetHost[] {
    return [...this.byName.values()];
  }

  statuses(): HostStatus[] {
    return this.all().map((host) => host.status);
  }

  /** Hosts whose deployment runs now, and whose worker takes their work (lost hosts are told apart: lost()). */
  running(): FleetHost[] {
    return this.all().filter((host) => host.handle && !host.ending && !host.lost);
  }

  /** Hosts whose deployment waits for a worker that is gone. */
  lost(): FleetHost[] {
    return this.all().filter((host) => host.lost && !host.ending);
  }

  /**
   * Starts the deployment of one host (again, for a host that failed). Out of reach of the fleet's
   * cancellation: the fleet rolls its hosts back itself, wave by wave, and never leaves one
   * half-stopped by a cancelled scope. A host's deployment outlives the fleet's (abandoned when the
   * fleet closes): a lost host finishes the way the fleet went once its worker is back, and one the
   * fleet left waiting at the fleet gate (the fleet terminated) notices and rolls itself back.
   */
  async start(name: string, requestedBy: string, document: unknown): Promise<void> {
    const host = this.byName.get(name)!;
    if (host.ending) {
      host.ending = undefined;
      host.lost = host.rollingBack = host.promotedInFull = host.reachedFleetGate = false;
      const { reason: _reason, gate: _gate, ...rest } = host.status;
      host.status = { ...rest, state: 'waiting' };
    }
    const { workflowId, runId, taskQueue } = workflowInfo();
    const input: DeployInput = {
      spec: document,
      requestedBy,
      host: { name, taskQueue: hostTaskQueue(taskQueue, name), fleetWorkflowId: workflowId, fleetRunId: runId },
    };
    const hostWorkflowId = hostDeploymentWorkflowId(this.spec.service, name);
    try {
      host.handle = await CancellationScope.nonCancellable(() =>
        startChild<typeof deployHost>(HOST_DEPLOY_WORKFLOW_TYPE, {
          workflowId: hostWorkflowId,
          args: [input],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `deploy ${this.spec.service} on ${name}`,
        }),
      );
    } catch (error) {
      // WorkflowExecutionAlreadyStartedError (from @temporalio/common, which sluice does not depend on by name).
      if ((error as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw error;
      this.ended(host, {
        refused: `an earlier deployment still runs on ${name} (${hostWorkflowId}), waiting for its worker: start ${name}'s worker so that it finishes, or terminate that workflow`,
      });
      return;
    }
    // Its first report may have come in the same activation as its start.
    if (host.status.state === 'waiting') this.update(host, { state: 'deploying' });
    void host.handle.result().then(
      (result) => this.ended(host, { result }),
      (error: unknown) => this.ended(host, endingOf(error)),
    );
  }

  /** A host's own report: its release once planned, the gate it waits at (the fleet gate: ready), or that it is lost or back. */
  report(report: HostReport): void {
    const host = this.byName.get(report.host);
    if (!host || host.ending) return;
    if (report.lost !== undefined) return this.lostOrBack(host, report.lost);
    if (report.rollingBack) return this.rollingBack(host);
    // A host rolling back has said how it stands; a late report changes nothing.
    if (host.status.state === 'rollingBack') return;
    if (report.stableRelease) host.stableRelease = report.stableRelease;
    if (report.gate?.kind === 'fleet') host.reachedFleetGate = true;
    const { gate: _gate, ...rest } = host.status;
    this.update(host, {
      ...rest,
      ...(report.targetRelease ? { targetRelease: report.targetRelease } : {}),
      ...(report.gate ? { gate: report.gate } : {}),
      state: report.gate?.kind === 'fleet' ? 'ready' : 'deploying',
    });
  }

  /**
   * The gate a person may answer for the fleet: the same gate (kind and number) on every running
   * host that is not ready yet. Hosts at the fleet gate have no gate left to answer.
   */
  sharedGate(): HostGate | undefined {
    const waiting = this.running().filter((host) => host.status.state !== 'ready');
    const gate = waiting[0]?.status.gate;
    if (!gate) return undefined;
    const same = (other?: HostGate) => other?.kind === gate.kind && other.number === gate.number && other.promotable === gate.promotable;
    return waiting.every((host) => same(host.status.gate)) ? gate : undefined;
  }

  /** Signals a host; one that has ended meanwhile (its end not yet seen here) cannot be signalled, which is no failure of the fleet. */
  async signal(host: FleetHost, send: (handle: ChildWorkflowHandle<typeof deployHost>) => Promise<void>): Promise<void> {
    try {
      await send(host.handle!);
    } catch (error) {
      log.warn(`could not signal ${host.status.name}'s deployment: ${messageOf(error)}`);
    }
  }

  rollingBack(host: FleetHost): void {
    host.rollingBack = true;
    if (!host.ending && !host.lost) this.update(host, { state: 'rollingBack' });
  }

  /**
   * A lost host waits for its worker; one that is back goes on from where it stood (state deploying
   * until it reports its next gate), unless the fleet is rolling it back.
   */
  private lostOrBack(host: FleetHost, lost: boolean): void {
    host.lost = lost;
    const { gate: _gate, ...rest } = host.status;
    if (lost)
      this.update(host, {
        ...rest,
        state: 'lost',
        reason: `no worker of ${host.status.name} took its work for ${formatDuration(hostLostAfterMs(this.spec))}`,
      });
    else this.update(host, { ...rest, state: host.rollingBack ? 'rollingBack' : 'deploying', reason: 'its worker is back' });
  }

  /** Marks the shared gate answered on every host, before the fleet tells them (so it is not offered twice). */
  clearGates(): void {
    for (const host of this.running().filter((h) => h.status.state !== 'ready')) {
      const { gate: _gate, ...rest } = host.status;
      host.status = rest;
    }
    this.onChange();
  }

  private ended(host: FleetHost, ending: HostEnding): void {
    host.ending = ending;
    host.lost = false;
    const { gate: _gate, ...rest } = host.status;
    this.update(
      host,
      'result' in ending
        ? { ...rest, state: ending.result.outcome, ...reasonOf(ending.result) }
        : 'refused' in ending
          ? { ...rest, state: 'refused', reason: ending.refused }
          : { ...rest, state: 'failed', reason: ending.error },
    );
  }

  private update(host: FleetHost, status: Partial<HostStatus>): void {
    host.status = { ...host.status, ...status };
    this.onChange();
  }
}

function reasonOf(result: DeployResult): { reason?: string } {
  return result.reason ? { reason: result.reason } : {};
}

/**
 * A host's deployment that did not release fails its workflow with its result as the failure's
 * details; one refused before it touched anything fails with the refusal (an application failure
 * without a result: the deploy workflow raises no other kind).
 */
function endingOf(error: unknown): HostEnding {
  const cause = error instanceof ChildWorkflowFailure ? error.cause : undefined;
  if (!(cause instanceof ApplicationFailure)) return { error: messageOf(error) };
  const result = cause.details?.[0] as DeployResult | undefined;
  return result && typeof result === 'object' && 'outcome' in result ? { result } : { refused: cause.message };
}
