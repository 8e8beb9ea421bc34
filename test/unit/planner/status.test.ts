import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../../src/planner/plan';
import { describeStatus, initialStatus, reduceStatus, type StatusEvent } from '../../../src/planner/status';
import { makeSpec } from '../../support/specs';

const at = (second: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, second)).toISOString();

describe('status reducer', () => {
  const spec = makeSpec({ replicas: 2, strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } });
  const routing = { peers: [{ release: 'v1', slots: [0, 1] }], weights: { v1: 100 } };
  const plan = planDeployment(spec, { releases: [{ release: 'v1', image: 'x:v1', slots: [0, 1] }], stopped: [], routing });
  const target = plan.targetRelease;
  const events: StatusEvent[] = [
    { type: 'planned', plan, image: spec.image, observedReplicas: { v1: [0, 1] }, routing, at: at(1) },
    { type: 'stepStarted', number: 2, total: plan.steps.length, summary: 'start', phase: 'starting', rollback: false, at: at(2) },
    { type: 'stepSucceeded', step: { kind: 'startReplicas', release: target, slots: [0] }, at: at(3) },
    { type: 'stepSucceeded', step: { kind: 'waitHealthy', release: target, slots: [0] }, at: at(4) },
    { type: 'stepStarted', number: 4, total: plan.steps.length, summary: 'route', phase: 'shifting', rollback: false, at: at(5) },
    {
      type: 'stepSucceeded',
      step: { kind: 'route', routing: { peers: [...routing.peers, { release: target, slots: [0] }], weights: { v1: 50, [target]: 50 } } },
      at: at(6),
    },
    { type: 'stepStarted', number: 5, total: plan.steps.length, summary: 'pause', phase: 'paused', rollback: false, at: at(7) },
    { type: 'gateOpened', gate: 'canaryPause', promotable: true, at: at(7) },
  ];
  const status = events.reduce(reduceStatus, initialStatus('web', at(0)));

  it('follows phase, step, weights, replicas and the gate', () => {
    expect(status.phase).toBe('paused');
    expect(status.step).toEqual({ number: 5, total: plan.steps.length, summary: 'pause', rollback: false });
    expect(status.weights).toEqual({ v1: 50, [target]: 50 });
    expect(status.replicas).toEqual({ v1: { running: [0, 1], healthy: [0, 1] }, [target]: { running: [0], healthy: [0] } });
    expect(status.gate).toMatchObject({ kind: 'canaryPause', promotable: true, since: at(7) });
    expect(status.timeline.map((p) => [p.phase, p.durationMs])).toEqual([
      ['pending', 2000],
      ['starting', 3000],
      ['shifting', 2000],
      ['paused', undefined],
    ]);
    expect(describeStatus(status)).toMatch(
      /web paused step 5\/\d+: pause \| traffic: v1 50% \/ .+ 50% \| waiting: canary pause: wait for `sluice promote`/,
    );
  });

  it('records decisions and rollback, and ends with the serving release', () => {
    const after = [
      { type: 'decision', decision: { kind: 'abort', by: 'ana', reason: 'p99 up', at: at(8), result: 'accepted' } },
      { type: 'rollbackStarted', reason: 'aborted by ana: p99 up', at: at(8) },
      { type: 'stepStarted', number: 1, total: 2, summary: 'undo: route', phase: 'shifting', rollback: true, at: at(8) },
      { type: 'stepSucceeded', step: { kind: 'route', routing }, at: at(9) },
      { type: 'stepSucceeded', step: { kind: 'removeReplicas', release: target, slots: [0] }, at: at(10) },
      { type: 'finished', outcome: 'aborted', reason: 'aborted by ana: p99 up', at: at(11) },
    ] satisfies StatusEvent[];
    const final = after.reduce(reduceStatus, status);
    expect(final.phase).toBe('aborted');
    expect(final.gate).toBeUndefined();
    expect(final.serving).toBe('v1');
    expect(final.replicas).toEqual({ v1: { running: [0, 1], healthy: [0, 1] } });
    expect(final.decisions).toEqual([{ kind: 'abort', by: 'ana', reason: 'p99 up', at: at(8), result: 'accepted' }]);
    expect(final.timeline.map((p) => p.phase)).toEqual(['pending', 'starting', 'shifting', 'paused', 'rollingBack', 'aborted']);
  });
});

describe("a fleet deployment's status", () => {
  it("carries its hosts, the release they deploy, and what serves once they finished; the line names each host's state", () => {
    const hosts = [
      {
        name: 'web-1',
        state: 'ready' as const,
        wave: 1,
        targetRelease: 'v2-abc',
        gate: { kind: 'fleet' as const, number: 2, promotable: false },
      },
      { name: 'web-2', state: 'deploying' as const, wave: 2 },
    ];
    const running = reduceStatus(initialStatus('web', at(0)), {
      type: 'fleet',
      hosts,
      image: 'app:v2',
      strategy: 'rolling',
      targetRelease: 'v2-abc',
      at: at(1),
    });
    expect(running).toMatchObject({ hosts, image: 'app:v2', strategy: 'rolling', targetRelease: 'v2-abc', updatedAt: at(1) });
    expect(describeStatus(running)).toBe('web pending | hosts: web-1 ready, web-2 deploying');
    const released = [
      { type: 'fleet' as const, hosts, image: 'app:v2', strategy: 'rolling', targetRelease: 'v2-abc', serving: 'v2-abc', at: at(2) },
      { type: 'finished' as const, outcome: 'released' as const, at: at(3) },
    ].reduce(reduceStatus, running);
    expect(released).toMatchObject({ phase: 'released', serving: 'v2-abc' });
  });
});
