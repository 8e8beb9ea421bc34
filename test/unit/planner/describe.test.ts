import { describe, expect, it } from 'vitest';
import { describeGate, describeRouting, describeSlots, describeStep, gateName, percentWeights } from '../../../src/planner/describe';

describe('describing steps to people', () => {
  it('slots: a range when three or more are contiguous, else a list', () => {
    expect(describeSlots([])).toBe('none');
    expect(describeSlots([0, 1, 2, 3])).toBe('0-3');
    expect(describeSlots([0, 1])).toBe('0,1');
    expect(describeSlots([0, 2, 3])).toBe('0,2,3');
  });

  it('routing: percent per release that has routed replicas; weights of releases without replicas do not count', () => {
    const routing = {
      peers: [
        { release: 'v1', slots: [0, 1] },
        { release: 'v2', slots: [0] },
        { release: 'v3', slots: [] },
      ],
      weights: { v1: 3, v2: 1, v3: 50 },
    };
    expect(percentWeights(routing)).toEqual({ v1: 75, v2: 25 });
    expect(describeRouting({ ...routing, preview: 'v2' })).toBe('v1 75% / v2 25%, preview -> v2');
    expect(describeRouting({ peers: [], weights: {} })).toBe('no traffic (requests fail until a release is routed)');
  });

  it('gates: a duration, or the promote that ends them', () => {
    expect(gateName('contract')).toBe('contract gate');
    expect(describeGate('promotion', undefined)).toBe('promotion gate: wait for `sluice promote`');
    expect(describeGate('canaryPause', 90_000)).toMatch(/^canary pause: /);
  });

  it('each step kind has its phase and the same words forward and back', () => {
    expect(describeStep({ kind: 'prepareRouter' })).toEqual({ phase: 'preparing', summary: 'prepare the router' });
    expect(describeStep({ kind: 'migrate', direction: 'expand' })).toEqual({ phase: 'migrating', summary: 'run expand migrations' });
    expect(describeStep({ kind: 'migrate', direction: 'contract' })).toEqual({ phase: 'contracting', summary: 'run contract migrations' });
    expect(describeStep({ kind: 'startReplicas', release: 'v2', slots: [0] })).toEqual({
      phase: 'starting',
      summary: 'start 1 replica of v2 (slots 0)',
    });
    expect(describeStep({ kind: 'waitHealthy', release: 'v2', slots: [0, 1] })).toEqual({
      phase: 'starting',
      summary: 'wait until 2 replicas of v2 are healthy',
    });
    expect(describeStep({ kind: 'stopReplicas', release: 'v1', slots: [0, 1, 2] })).toEqual({
      phase: 'draining',
      summary: 'stop 3 replicas of v1 (slots 0-2)',
    });
    expect(describeStep({ kind: 'removeReplicas', release: 'v1', slots: [1] })).toEqual({
      phase: 'cleaningUp',
      summary: 'remove 1 replica of v1 (slots 1)',
    });
    expect(describeStep({ kind: 'pause', gate: 'scaleDownDelay', promotable: true })).toEqual({
      phase: 'paused',
      summary: 'scale-down delay: wait for `sluice promote`',
    });
  });
});
