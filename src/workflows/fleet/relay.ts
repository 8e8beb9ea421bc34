/**
 * Passes people's decisions on to the hosts of a fleet deployment. The fleet offers a gate to
 * `sluice promote` only when every running host waits at the same one (lockstep); the promote it
 * accepts goes to every host. A full promotion, a pause and a resume go to every running host.
 * (An abort is the fleet's own: it rolls the hosts back itself, the last wave first.)
 */
import { CancellationScope, condition } from '@temporalio/workflow';
import type { GateKind } from '../../domain';
import { fleetPromoteSignal, pauseSignal, resumeSignal, type Actor, type PromoteRequest } from '../../shared/messages';
import { now, type DeploymentControl } from '../deploy/control';
import type { FleetHost, FleetHosts } from './hosts';

export function relayToHosts(hosts: FleetHosts, control: DeploymentControl): { stop(): void } {
  let stopped = false;
  let offered: GateKind | undefined;
  let paused = false;
  let full = false;

  const toRunning = async (send: (host: FleetHost) => Promise<void>) => {
    for (const host of hosts.running()) await send(host);
  };

  const offer = (gate: GateKind | undefined) => {
    if (offered !== undefined && !control.gate?.answered) {
      control.gate = undefined;
      control.record({ type: 'gateClosed', at: now() });
    }
    offered = gate;
    if (gate !== undefined) {
      control.gate = { kind: gate, promotable: true, answered: false };
      control.record({ type: 'gateOpened', gate, promotable: true, at: now() });
    }
  };

  // Out of reach of cancellation: a cancelled fleet deployment rolls its hosts back and stops this itself.
  void CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(
        () =>
          stopped ||
          control.rollingBack ||
          control.paused !== paused ||
          (control.promoteFull && !full) ||
          control.gate?.answered === true ||
          hosts.sharedGate() !== offered,
      );
      if (stopped || control.rollingBack) return;
      const promote: PromoteRequest = control.lastPromote ?? { by: 'sluice' };
      if (control.promoteFull && !full) {
        full = true;
        passed();
        await toRunning((host) => host.handle!.signal(fleetPromoteSignal, { ...promote, full: true }));
      } else if (control.gate?.answered) {
        passed();
        await toRunning((host) => host.handle!.signal(fleetPromoteSignal, promote));
      } else if (control.paused !== paused) {
        paused = control.paused;
        const actor = lastActor(control, paused ? 'pause' : 'resume');
        await toRunning((host) => host.handle!.signal(paused ? pauseSignal : resumeSignal, actor));
      } else {
        offer(hosts.sharedGate());
      }
    }
  });

  /** The offered gate was answered: the hosts pass it once they hear, and offer the next one themselves. */
  function passed(): void {
    if (control.gate) {
      control.gate = undefined;
      control.record({ type: 'gateClosed', at: now() });
    }
    offered = undefined;
    hosts.clearGates();
  }

  return {
    stop() {
      stopped = true;
    },
  };
}

function lastActor(control: DeploymentControl, kind: 'pause' | 'resume'): Actor {
  const decision = [...control.status.decisions].reverse().find((d) => d.kind === kind && d.result === 'accepted');
  return decision ? { by: decision.by, ...(decision.reason ? { reason: decision.reason } : {}) } : { by: 'sluice' };
}
