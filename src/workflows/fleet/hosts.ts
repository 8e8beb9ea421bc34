/**
 * The hosts of a fleet deployment: each one's deployment (a child workflow on the shared task
 * queue, its activities on the host's own), where it stands, how it ended, and the gate the hosts
 * share, which the fleet opens to `sluice promote` when every host waits at it.
 */
import {
  ChildWorkflowFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { GateKind, HostReport, HostStatus } from '../../domain';
import { HOST_DEPLOY_WORKFLOW_TYPE, type DeployInput, type DeployResult } from '../../shared/messages';
import { hostDeploymentWorkflowId, hostTaskQueue } from '../../shared/names';
import type { DeploymentSpec } from '../../planner/spec';
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

  /** Hosts whose deployment runs now. */
  running(): FleetHost[] {
    return this.all().filter((host) => host.handle && !host.ending);
  }

  /**
   * Starts the deployment of one host. Out of reach of the fleet's cancellation: the fleet rolls its
   * hosts back itself, wave by wave, and never leaves one half-stopped by a cancelled scope. Should
   * the fleet deployment itself be terminated, its hosts are asked to cancel, which rolls them back.
   */
  async start(name: string, requestedBy: string, document: unknown): Promise<void> {
    const host = this.byName.get(name)!;
    const { workflowId, taskQueue } = workflowInfo();
    const input: DeployInput = {
      spec: document,
      requestedBy,
      host: { name, taskQueue: hostTaskQueue(taskQueue, name), fleetWorkflowId: workflowId },
    };
    host.handle = await CancellationScope.nonCancellable(() =>
      startChild<typeof deployHost>(HOST_DEPLOY_WORKFLOW_TYPE, {
        workflowId: hostDeploymentWorkflowId(this.spec.service, name),
        args: [input],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `deploy ${this.spec.service} on ${name}`,
      }),
    );
    this.update(host, { state: 'deploying' });
    void host.handle.result().then(
      (result) => this.ended(host, { result }),
      (error: unknown) => this.ended(host, endingOf(error)),
    );
  }

  /** A host's own report: its release once planned, the gate it waits at (the fleet gate: ready). */
  report(report: HostReport): void {
    const host = this.byName.get(report.host);
    if (!host || host.ending) return;
    const { gate: _gate, ...rest } = host.status;
    const ready = report.gate === 'fleet';
    this.update(host, {
      ...rest,
      ...(report.targetRelease ? { targetRelease: report.targetRelease } : {}),
      ...(report.gate ? { gate: report.gate } : {}),
      state: ready ? 'ready' : rest.state === 'ready' ? 'deploying' : rest.state,
    });
  }

  /** The gate every running host waits at, if they all wait at the same one a person may answer. */
  sharedGate(): GateKind | undefined {
    const running = this.running();
    const gates = new Set(running.map((host) => host.status.gate));
    const [gate] = gates;
    return running.length > 0 && gates.size === 1 && gate !== undefined && gate !== 'fleet' ? gate : undefined;
  }

  rollingBack(host: FleetHost): void {
    this.update(host, { state: 'rollingBack' });
  }

  /** Marks the shared gate answered on every host, before the fleet tells them (so it is not offered twice). */
  clearGates(): void {
    for (const host of this.running()) {
      const { gate: _gate, ...rest } = host.status;
      host.status = rest;
    }
    this.onChange();
  }

  private ended(host: FleetHost, ending: HostEnding): void {
    host.ending = ending;
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
