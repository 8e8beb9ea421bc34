import { describe, expect, it } from 'vitest';
import { liveOf } from '../../../src/client/host-details';
import { describeOutcome, lineView, renderStatusBlock, weightBar } from '../../../src/client/progress';
import type { DeploymentStatus } from '../../../src/domain';
import { initialStatus, reduceStatus } from '../../../src/planner/status';

const at = (second: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, second)).toISOString();

function canaryAtGate(): DeploymentStatus {
  const routing = {
    peers: [
      { release: 'v1-aaaa', slots: [0, 1, 2] },
      { release: 'v2-bbbb', slots: [0] },
    ],
    weights: { 'v1-aaaa': 90, 'v2-bbbb': 10 },
  };
  let status = initialStatus('web', at(0));
  status = { ...status, strategy: 'canary', stableRelease: 'v1-aaaa', targetRelease: 'v2-bbbb' };
  status = reduceStatus(status, {
    type: 'stepStarted',
    number: 5,
    total: 12,
    summary: 'canary pause: wait for `sluice promote`',
    phase: 'paused',
    rollback: false,
    at: at(4),
  });
  status = reduceStatus(status, { type: 'stepSucceeded', step: { kind: 'route', routing }, at: at(4) });
  status = reduceStatus(status, { type: 'stepSucceeded', step: { kind: 'startReplicas', release: 'v2-bbbb', slots: [0] }, at: at(4) });
  status = reduceStatus(status, { type: 'stepSucceeded', step: { kind: 'waitHealthy', release: 'v2-bbbb', slots: [0] }, at: at(4) });
  return reduceStatus(status, { type: 'gateOpened', gate: 'canaryPause', promotable: true, at: at(5) });
}

describe('progress views', () => {
  it('the terminal block shows phase, step, a weight bar per release (stable first), replica health, the gate and the commands that answer it', () => {
    const lines = renderStatusBlock(canaryAtGate(), Date.parse(at(65)));
    expect(lines[0]).toBe('deploy/web  canary  v1-aaaa -> v2-bbbb  1m05s');
    expect(lines[1]).toBe('phase paused  step 5/12: canary pause: wait for `sluice promote`');
    // Release names are padded to a common width (at least 8).
    expect(lines[2]).toBe(`  v1-aaaa   ${weightBar(90)}  90%  no replicas`);
    expect(lines[3]).toBe(`  v2-bbbb   ${weightBar(10)}  10%  1/1 healthy`);
    expect(lines[4]).toBe('waiting: canary pause: wait for `sluice promote`: answer with `sluice promote web` or `sluice abort web`');
  });

  it("a fleet deployment's block has a row per host: wave, state, release, the gate it waits at, why it ended so", () => {
    const status = reduceStatus(initialStatus('web', at(0)), {
      type: 'fleet',
      hosts: [
        { name: 'web-1', state: 'ready', wave: 1, targetRelease: 'v2-bbbb', gate: { kind: 'fleet', number: 2, promotable: false } },
        { name: 'web-2', state: 'refused', wave: 2, reason: 'image app:v2 could not be pulled' },
      ],
      image: 'app:v2',
      strategy: 'rolling',
      targetRelease: 'v2-bbbb',
      at: at(1),
    });
    expect(renderStatusBlock(status, Date.parse(at(2))).slice(2)).toEqual([
      '  HOST   WAVE    STATE    RELEASE  GATE               REASON',
      '  web-1  wave 1  ready    v2-bbbb  at the fleet gate',
      '  web-2  wave 2  refused  -                           image app:v2 could not be pulled',
    ]);
  });

  it("a fleet host's row shows what its own deployment shows now (weights, health, step) once status has read it", () => {
    const status = reduceStatus(initialStatus('web', at(0)), {
      type: 'fleet',
      hosts: [
        {
          name: 'web-1',
          state: 'deploying',
          wave: 1,
          targetRelease: 'v2-bbbb',
          gate: { kind: 'canaryPause', number: 1, promotable: true },
        },
        { name: 'web-2', state: 'waiting', wave: 1 },
      ],
      image: 'app:v2',
      strategy: 'canary',
      targetRelease: 'v2-bbbb',
      at: at(1),
    });
    const own = reduceStatus(canaryAtGate(), {
      type: 'stepStarted',
      number: 2,
      total: 5,
      summary: 'pause',
      phase: 'paused',
      rollback: false,
      at: at(3),
    });
    status.hosts![0] = { ...status.hosts![0]!, live: liveOf(own) };
    expect(renderStatusBlock(status, Date.parse(at(2))).slice(2)).toEqual([
      '  HOST   WAVE    STATE      RELEASE  WEIGHTS                   HEALTHY  STEP  GATE                 REASON',
      // The host's own status knows of the canary's one replica (started and healthy here).
      '  web-1  wave 1  deploying  v2-bbbb  v1-aaaa 90%, v2-bbbb 10%  1/1      2/5   at the canary pause',
      '  web-2  wave 1  waiting    -',
    ]);
  });

  it('a deployment that ended says how, in the words the verbs print: its outcome, and why in brackets', () => {
    expect(describeOutcome({ outcome: 'released' })).toBe('released');
    expect(describeOutcome({ outcome: 'rolledBack', reason: 'replica sluice_web_v2-bbbb_0 is unhealthy' })).toBe(
      'rolledBack (replica sluice_web_v2-bbbb_0 is unhealthy)',
    );
    const ended = reduceStatus(canaryAtGate(), { type: 'finished', outcome: 'aborted', reason: 'aborted by ci: p99 up', at: at(70) });
    expect(renderStatusBlock(ended, Date.parse(at(70))).at(-1)).toBe('aborted (aborted by ci: p99 up)');
  });

  it('a weight bar is 24 cells, filled in proportion', () => {
    expect(weightBar(0)).toBe('░'.repeat(24));
    expect(weightBar(50)).toBe(`${'█'.repeat(12)}${'░'.repeat(12)}`);
    expect(weightBar(100)).toBe('█'.repeat(24));
  });

  it('the CI view prints one line per change, with the time since the start, and nothing when nothing changed', () => {
    const lines: string[] = [];
    const view = lineView((line) => lines.push(line));
    const status = canaryAtGate();
    view.update(status);
    view.update(status);
    view.update({ ...status, paused: true });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[ {4}5s\] web paused step 5\/12: canary pause: wait for `sluice promote` \| traffic: v1-aaaa 90% \/ v2-bbbb 10%$/,
    );
    expect(lines[1]).toMatch(/PAUSED \(sluice resume\)$/);
  });
});
