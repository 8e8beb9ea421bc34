import { describe, expect, it } from 'vitest';
import { canaryReplicasFor } from '../../../src/planner/canary';
import { validateSpec } from '../../../src/planner/spec';
import { expectProblems, specDocument } from '../../support/specs';
import { lines, serving } from '../../support/planner';

describe('canary plans', () => {
  it('grows canary capacity with its weight, keeps stable whole until the end, then promotes fully', () => {
    const strategy = {
      type: 'canary',
      steps: [{ setWeight: 10 }, { pause: { duration: '5m' } }, { setWeight: 50 }, { pause: {} }, { analysis: {} }, { setWeight: 100 }],
    };
    expect(lines({ replicas: 4, strategy }, serving(4))).toEqual([
      'prepareRouter',
      'start NEW[0]',
      'wait NEW[0]',
      'route v1[0,1,2,3]+NEW[0] {v1=90,NEW=10}',
      'pause canaryPause 300000ms',
      'start NEW[1]',
      'wait NEW[1]',
      'route v1[0,1,2,3]+NEW[0,1] {v1=50,NEW=50}',
      'pause canaryPause',
      'analysis NEW',
      'start NEW[2,3]',
      'wait NEW[2,3]',
      'route v1[0,1,2,3]+NEW[0,1,2,3] {NEW=100}',
      'route NEW[0,1,2,3] {NEW=100}',
      'stop v1[0,1,2,3]',
      'remove v1[0,1,2,3]',
    ]);
  });

  it('adds full promotion when the steps stop short of 100', () => {
    expect(lines({ replicas: 2, strategy: { type: 'canary', steps: [{ setWeight: 20 }] } }, serving(2))).toEqual([
      'prepareRouter',
      'start NEW[0]',
      'wait NEW[0]',
      'route v1[0,1]+NEW[0] {v1=80,NEW=20}',
      'start NEW[1]',
      'wait NEW[1]',
      'route v1[0,1]+NEW[0,1] {NEW=100}',
      'route NEW[0,1] {NEW=100}',
      'stop v1[0,1]',
      'remove v1[0,1]',
    ]);
  });

  it('a pause before any weight waits with the canary out of traffic', () => {
    expect(
      lines({ replicas: 1, strategy: { type: 'canary', steps: [{ pause: {} }, { setWeight: 0 }, { setWeight: 100 }] } }, serving(1)),
    ).toEqual([
      'prepareRouter',
      'pause canaryPause',
      'start NEW[0]',
      'wait NEW[0]',
      'route v1[0]+NEW[0] {NEW=100}',
      'route NEW[0] {NEW=100}',
      'stop v1[0]',
      'remove v1[0]',
    ]);
  });
});

describe('canary capacity', () => {
  it('gives a weight its share of the replicas, rounded up: none at 0, at least one above, all at 100', () => {
    expect([0, 1, 10, 25, 26, 50, 99, 100].map((weight) => canaryReplicasFor(weight, 4))).toEqual([0, 1, 1, 1, 2, 2, 4, 4]);
    expect(canaryReplicasFor(1, 1)).toBe(1);
  });
});

describe('the canary schema', () => {
  it('accepts every option', () => {
    const strategy = {
      type: 'canary',
      steps: [
        { setWeight: 10 },
        { pause: { duration: '1m' } },
        { analysis: { maxErrorRate: 0.05, maxLatencyP99: '300ms' } },
        { setWeight: 50 },
        { pause: {} },
      ],
    };
    expect(validateSpec(specDocument({ strategy }))).toMatchObject({ ok: true });
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      'a canary pause longer than a week',
      { strategy: { type: 'canary', steps: [{ pause: { duration: '200h' } }] } },
      ['strategy.steps[0].pause.duration: expected at most 168h (found "200h")'],
    ],
    [
      'canary weights outside 0..100 and not increasing',
      { strategy: { type: 'canary', steps: [{ setWeight: 50 }, { setWeight: 20 }, { setWeight: 150 }] } },
      [
        'strategy.steps[2].setWeight: expected a weight from 0 to 100 (found 150)',
        'strategy.steps[1].setWeight: weights must increase: 20 follows 50 (found 20)',
      ],
    ],
    [
      'a canary step with two actions',
      { strategy: { type: 'canary', steps: [{ setWeight: 10, pause: {} }] } },
      ['strategy.steps[0]: each canary step is exactly one of setWeight, pause or analysis'],
    ],
    ['an empty canary', { strategy: { type: 'canary', steps: [] } }, ['strategy.steps: a canary needs at least one step']],
    [
      'an error rate above 1',
      { strategy: { type: 'canary', steps: [{ analysis: { maxErrorRate: 5 } }] } },
      ['strategy.steps[0].analysis.maxErrorRate: expected a fraction from 0 to 1'],
    ],
  ];
  it.each(cases)('refuses %s, naming the field', (_name, overrides, expected) => expectProblems(overrides, expected));
});
