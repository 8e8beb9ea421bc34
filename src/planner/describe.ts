/**
 * One place that says, for any step, which phase it belongs to and how to
 * describe it to people (Web UI activity summaries, `sluice plan`, status).
 * Forward and rollback steps use the same words.
 */
import type { GateKind, Routing, Step, StepPhase } from '../domain';
import { formatDuration } from '../shared/duration';

export function describeSlots(slots: number[]): string {
  if (slots.length === 0) return 'none';
  const contiguous = slots.every((slot, i) => i === 0 || slot === slots[i - 1]! + 1);
  return contiguous && slots.length > 2 ? `${slots[0]}-${slots[slots.length - 1]}` : slots.join(',');
}

const replicas = (n: number) => `${n} replica${n === 1 ? '' : 's'}`;

/** Percent of traffic per release that has routed replicas, rounded. */
export function percentWeights(routing: Routing): Record<string, number> {
  const routed = new Set(routing.peers.filter((g) => g.slots.length > 0).map((g) => g.release));
  const entries = Object.entries(routing.weights).filter(([release, weight]) => weight > 0 && routed.has(release));
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  return Object.fromEntries(entries.map(([release, weight]) => [release, Math.round((100 * weight) / total)]));
}

export function describeRouting(routing: Routing): string {
  const shares = Object.entries(percentWeights(routing)).map(([release, percent]) => `${release} ${percent}%`);
  if (shares.length === 0) return 'no traffic (requests fail until a release is routed)';
  return `${shares.join(' / ')}${routing.preview ? `, preview -> ${routing.preview}` : ''}`;
}

const GATE_NAMES: Record<GateKind, string> = {
  canaryPause: 'canary pause',
  promotion: 'promotion gate',
  scaleDownDelay: 'scale-down delay',
  batchDelay: 'batch delay',
  contract: 'contract gate',
  inconclusiveAnalysis: 'inconclusive analysis',
  fleet: 'fleet gate',
  betweenWaves: 'pause between waves',
  hostFailed: 'failed-host gate',
};

export function gateName(gate: GateKind): string {
  return GATE_NAMES[gate];
}

export function describeGate(gate: GateKind, durationMs: number | undefined): string {
  if (gate === 'fleet') return `${GATE_NAMES[gate]}: ready, waiting for the other hosts of the fleet`;
  if (gate === 'hostFailed')
    return `${GATE_NAMES[gate]}: \`sluice promote\` retries the failed hosts and goes on, \`sluice abort\` rolls the fleet back`;
  return durationMs === undefined
    ? `${GATE_NAMES[gate]}: wait for \`sluice promote\``
    : `${GATE_NAMES[gate]}: ${formatDuration(durationMs)}`;
}

export function describeStep(step: Step): { phase: StepPhase; summary: string } {
  switch (step.kind) {
    case 'prepareRouter':
      return { phase: 'preparing', summary: 'prepare the router' };
    case 'migrate':
      return step.direction === 'contract'
        ? { phase: 'contracting', summary: 'run contract migrations' }
        : { phase: 'migrating', summary: step.direction === 'expand' ? 'run expand migrations' : 'roll back expand migrations' };
    case 'startReplicas':
      return { phase: 'starting', summary: `start ${replicas(step.slots.length)} of ${step.release} (slots ${describeSlots(step.slots)})` };
    case 'waitHealthy':
      return { phase: 'starting', summary: `wait until ${replicas(step.slots.length)} of ${step.release} are healthy` };
    case 'route':
      return { phase: 'shifting', summary: `route traffic: ${describeRouting(step.routing)}` };
    case 'stopReplicas':
      return { phase: 'draining', summary: `stop ${replicas(step.slots.length)} of ${step.release} (slots ${describeSlots(step.slots)})` };
    case 'removeReplicas':
      return {
        phase: 'cleaningUp',
        summary: `remove ${replicas(step.slots.length)} of ${step.release} (slots ${describeSlots(step.slots)})`,
      };
    case 'pause':
      return { phase: 'paused', summary: describeGate(step.gate, step.durationMs) };
    case 'analysis': {
      const a = step.analysis;
      return {
        phase: 'analyzing',
        summary: `analyze ${step.release}: ${a.count} x ${formatDuration(a.interval)}, error rate <= ${a.maxErrorRate * 100}%`,
      };
    }
  }
}
