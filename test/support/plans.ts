import type { Routing, Step } from '../../src/domain';

/** Compact, readable one-line rendering of a step, for pinning plans in tables. */
export function renderRouting(routing: Routing): string {
  const peers = routing.peers.filter((g) => g.slots.length > 0).map((g) => `${g.release}[${g.slots.join(',')}]`);
  const weights = Object.entries(routing.weights)
    .filter(([, w]) => w > 0)
    .map(([r, w]) => `${r}=${w}`);
  return `${peers.join('+') || '-'} {${weights.join(',')}}${routing.preview ? ` preview=${routing.preview}` : ''}`;
}

export function renderStep(step: Step): string {
  switch (step.kind) {
    case 'prepareRouter':
      return 'prepareRouter';
    case 'migrate':
      return `migrate ${step.direction}`;
    case 'startReplicas':
      return `start ${step.release}[${step.slots.join(',')}]`;
    case 'waitHealthy':
      return `wait ${step.release}[${step.slots.join(',')}]`;
    case 'stopReplicas':
      return `stop ${step.release}[${step.slots.join(',')}]`;
    case 'removeReplicas':
      return `remove ${step.release}[${step.slots.join(',')}]`;
    case 'route':
      return `route ${renderRouting(step.routing)}`;
    case 'pause':
      return `pause ${step.gate}${step.durationMs !== undefined ? ` ${step.durationMs}ms` : ''}${step.promotable ? '' : ' (timer)'}`;
    case 'analysis':
      return `analysis ${step.release}`;
  }
}
