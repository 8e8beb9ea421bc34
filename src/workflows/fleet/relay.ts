/**
 * Passes people's decisions on to the hosts of a fleet deployment. The fleet offers a gate to
 * `sluice promote` only when every running host that is not ready waits at the same one, the
 * same kind and number (lockstep); the promote it accepts goes to those hosts, naming that gate,
 * so a host that has moved on ignores it. A full promotion, a pause and a resume go to every
 * running host. (An abort is the fleet's own: it rolls the hosts back itself, the last wave first.)
 */
import { CancellationScope, condition, log } from '@temporalio/workflow';
import { fleetPromoteSignal, pauseSignal, resumeSignal, type Actor, type FleetPromoteRequest } from '../../shared/messages';
import type { HostGate } from '../../domain';
import { messageOf } from '../failures';
import { now, type DeploymentControl, type Gate } from '../deploy/control';
import type { FleetHost, FleetHosts } from './hosts';

const same = (a: HostGate | undefined, b: HostGate | undefined) => a?.kind === b?.kind && a?.number === b?.number;

export function relayToHosts(hosts: FleetHosts, control: DeploymentControl): { stop(): void } {
  let stopped = false;
  /** The gate offered to people now, as the hosts number it, and the fleet's own gate object for it. */
  let offered: { shared: HostGate; gate: Gate } | undefined;
  let paused = false;
  let full = false;

  const toEach = async (which: FleetHost[], send: Parameters<FleetHosts['signal']>[1]) => {
    for (const host of which) await hosts.signal(host, send);
  };

  /** Withdraws the offered gate (the hosts moved on, or it was answered). */
  const withdraw = () => {
    if (offered && control.gate === offered.gate) {
      control.gate = undefined;
      control.record({ type: 'gateClosed', at: now() });
    }
    offered = undefined;
  };

  /** Offers the hosts' shared gate, as promotable as it is on the hosts (a timer only to a full promotion). */
  const offer = (shared: HostGate | undefined) => {
    withdraw();
    if (!shared) return;
    const gate: Gate = { kind: shared.kind, promotable: shared.promotable, answered: false, number: shared.number };
    offered = { shared, gate };
    control.gate = gate;
    const duration = shared.durationMs !== undefined ? { durationMs: shared.durationMs } : {};
    control.record({ type: 'gateOpened', gate: shared.kind, ...duration, promotable: shared.promotable, at: now() });
  };

  const relay = async () => {
    for (;;) {
      await condition(
        () =>
          stopped ||
          control.rollingBack ||
          control.paused !== paused ||
          (control.promoteFull && !full) ||
          offered?.gate.answered === true ||
          !same(hosts.sharedGate(), offered?.shared),
      );
      if (stopped || control.rollingBack) return;
      const promote = control.lastPromote ?? { by: 'sluice' };
      if (control.promoteFull && !full) {
        full = true;
        withdraw();
        hosts.clearGates();
        const request: FleetPromoteRequest = { ...promote, full: true };
        await toEach(hosts.running(), (handle) => handle.signal(fleetPromoteSignal, request));
      } else if (offered?.gate.answered) {
        const request: FleetPromoteRequest = { ...promote, gate: { kind: offered.shared.kind, number: offered.shared.number } };
        withdraw();
        const waiting = hosts.running().filter((host) => host.status.state !== 'ready');
        hosts.clearGates();
        await toEach(waiting, (handle) => handle.signal(fleetPromoteSignal, request));
      } else if (control.paused !== paused) {
        paused = control.paused;
        const actor = lastActor(control, paused ? 'pause' : 'resume');
        await toEach(hosts.running(), (handle) => handle.signal(paused ? pauseSignal : resumeSignal, actor));
      } else {
        offer(hosts.sharedGate());
      }
    }
  };
  // Out of reach of cancellation: a cancelled fleet deployment rolls its hosts back and stops this itself.
  void CancellationScope.nonCancellable(relay).catch((error: unknown) => log.error(`the fleet's relay stopped: ${messageOf(error)}`));

  return {
    stop() {
      stopped = true;
    },
  };
}

/** Who made the last accepted decision of a kind: the actor the hosts record it from. */
export function lastActor(control: DeploymentControl, kind: 'pause' | 'resume'): Actor {
  const decision = [...control.status.decisions].reverse().find((d) => d.kind === kind && d.result === 'accepted');
  return decision ? { by: decision.by, ...(decision.reason ? { reason: decision.reason } : {}) } : { by: 'sluice' };
}
