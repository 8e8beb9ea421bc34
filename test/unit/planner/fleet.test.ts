import { describe, expect, it } from 'vitest';
import { fleetRefusal, needsAttention, planFleet } from '../../../src/planner/fleet';
import { expectProblems, makeSpec } from '../../support/specs';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `web-${i + 1}`);

describe('planFleet', () => {
  it('takes rolling and recreate hosts in waves of hostsAtOnce (default 1), in the order the spec lists them', () => {
    expect(planFleet(makeSpec({ hosts: hosts(3) }))).toEqual({
      waves: [['web-1'], ['web-2'], ['web-3']],
      lockstep: false,
      minHealthyHosts: 2,
      pauseBetweenWaves: 0,
      onFailure: 'rollback',
      onHostLost: 'rollback',
      hostLostAfterMs: 60_000,
    });
    expect(planFleet(makeSpec({ hosts: hosts(5), fleet: { hostsAtOnce: 2 }, strategy: { type: 'recreate' } })).waves).toEqual([
      ['web-1', 'web-2'],
      ['web-3', 'web-4'],
      ['web-5'],
    ]);
  });

  it('a percentage of hosts rounds down, as Kamal does, but a wave takes at least one host', () => {
    expect(planFleet(makeSpec({ hosts: hosts(5), fleet: { hostsAtOnce: '50%' } })).waves.map((w) => w.length)).toEqual([2, 2, 1]);
    expect(planFleet(makeSpec({ hosts: hosts(3), fleet: { hostsAtOnce: '10%' } })).waves.map((w) => w.length)).toEqual([1, 1, 1]);
    expect(planFleet(makeSpec({ hosts: hosts(2), fleet: { hostsAtOnce: '100%' } })).waves).toEqual([['web-1', 'web-2']]);
  });

  it('takes canary and blue-green hosts all at once, in lockstep', () => {
    const canary = makeSpec({ hosts: hosts(3), strategy: { type: 'canary', steps: [{ setWeight: 10 }] } });
    expect(planFleet(canary)).toMatchObject({ waves: [hosts(3)], lockstep: true, minHealthyHosts: 1 });
    expect(planFleet(makeSpec({ hosts: hosts(2), strategy: { type: 'blueGreen' } })).lockstep).toBe(true);
  });

  it('minHealthyHosts as CodeDeploy counts it (a percentage rounds up) refuses waves that would leave fewer serving, naming the field', () => {
    expect(planFleet(makeSpec({ hosts: hosts(4), fleet: { hostsAtOnce: 1, minHealthyHosts: '75%' } })).minHealthyHosts).toBe(3);
    const tooMany = makeSpec({ hosts: hosts(4), fleet: { hostsAtOnce: 2, minHealthyHosts: '75%' } });
    expect(fleetRefusal(tooMany)).toMatchObject({
      field: 'fleet.hostsAtOnce',
      problem: 'taking 2 of 4 hosts at once leaves 2 serving, fewer than minHealthyHosts 3: lower hostsAtOnce or minHealthyHosts',
    });
    expect(() => planFleet(tooMany)).toThrow(/^fleet\.hostsAtOnce: taking 2 of 4/);
    expect(fleetRefusal(makeSpec())).toBeUndefined();
  });

  it('reads pauseBetweenWaves, onFailure, onHostLost and hostLostAfter from the spec', () => {
    const fleet = { pauseBetweenWaves: 'promote', onFailure: 'pause', onHostLost: 'continue', hostLostAfter: '30s' };
    expect(planFleet(makeSpec({ hosts: hosts(3), fleet }))).toMatchObject({
      pauseBetweenWaves: 'promote',
      onFailure: 'pause',
      onHostLost: 'continue',
      hostLostAfterMs: 30_000,
    });
    expect(planFleet(makeSpec({ hosts: hosts(3), fleet: { pauseBetweenWaves: '45s' } })).pauseBetweenWaves).toBe(45_000);
  });

  it('refuses onFailure: pause for a lockstep strategy, whose failed host could not rejoin the others, naming the field', () => {
    const canary = makeSpec({ hosts: hosts(2), strategy: { type: 'canary', steps: [{ setWeight: 10 }] }, fleet: { onFailure: 'pause' } });
    expect(fleetRefusal(canary)).toMatchObject({
      field: 'fleet.onFailure',
      problem: expect.stringMatching(/^canary moves every host in lockstep/),
    });
  });

  it('takes the hosts it is told to take first before the others, each group in the spec order', () => {
    expect(planFleet(makeSpec({ hosts: hosts(4), fleet: { hostsAtOnce: 2 } }), ['web-4', 'web-2']).waves).toEqual([
      ['web-2', 'web-4'],
      ['web-1', 'web-3'],
    ]);
  });

  it('a host needs attention when it runs fewer replicas than the spec asks, or some stopped, or none', () => {
    const group = (release: string, slots: number[]) => ({ release, slots });
    const observed = (running: number[], stopped: number[] = []) => ({
      releases: running.length ? [{ ...group('v1-aaaa', running), image: 'app:v1' }] : [],
      stopped: stopped.length ? [group('v1-aaaa', stopped)] : [],
    });
    expect(needsAttention(observed([0, 1]), 2)).toBeUndefined();
    expect(needsAttention(observed([0], [1]), 2)).toBe('1 of 2 replicas run, 1 stopped');
    expect(needsAttention(observed([0]), 2)).toBe('1 of 2 replicas run');
    expect(needsAttention(observed([0, 1], [2]), 2)).toBe('2 of 2 replicas run, 1 stopped');
    expect(needsAttention(observed([]), 2)).toBe('it runs no replica of the service');
  });

  it('refuses a hostLostAfter that is not shorter than every progress deadline, naming the field', () => {
    const spec = makeSpec({ hosts: hosts(2), fleet: { hostLostAfter: '2m' }, progressDeadline: { default: '10m', starting: '2m' } });
    expect(fleetRefusal(spec)).toMatchObject({
      field: 'fleet.hostLostAfter',
      problem:
        '2m is not shorter than the shortest progress deadline (2m), so a lost worker would be reported as a missed deadline: lower hostLostAfter',
    });
  });

  it('with hosts lost, a lockstep fleet keeps the minimum it is given (default 1)', () => {
    const canary = { type: 'canary', steps: [{ setWeight: 10 }] };
    expect(planFleet(makeSpec({ hosts: hosts(4), strategy: canary, fleet: { minHealthyHosts: '50%' } })).minHealthyHosts).toBe(2);
  });
});

describe('the spec of a fleet', () => {
  it.each([
    ['a host name that is no DNS label', { hosts: ['Web_1'] }, ['hosts[0]: expected a host name like web-1']],
    ['a host listed twice', { hosts: ['web-1', 'web-1'] }, ['hosts[1]: web-1 is listed twice']],
    ['an empty host list', { hosts: [] }, ['hosts: name at least one host']],
    ['fleet settings without hosts', { fleet: { hostsAtOnce: 2 } }, ['fleet: fleet settings need hosts']],
    ['an unknown fleet field', { hosts: ['web-1'], fleet: { batchSize: 2 } }, ['fleet.batchSize: unknown field']],
    [
      'a pause between waves that is neither',
      { hosts: ['web-1'], fleet: { pauseBetweenWaves: 'later' } },
      ['fleet.pauseBetweenWaves: expected a duration like "30s", or "promote"'],
    ],
    [
      'an unknown failure action',
      { hosts: ['web-1'], fleet: { onFailure: 'continue' } },
      ['fleet.onFailure: expected "rollback" or "pause"'],
    ],
    [
      'an unknown lost-host action',
      { hosts: ['web-1'], fleet: { onHostLost: 'pause' } },
      ['fleet.onHostLost: expected "rollback" or "continue"'],
    ],
    ['a host lost too soon', { hosts: ['web-1'], fleet: { hostLostAfter: '10ms' } }, ['fleet.hostLostAfter: expected from 1s']],
  ])('refuses %s, naming the field', (_name, overrides, expected) => expectProblems(overrides, expected));
});
