import { describe, expect, it } from 'vitest';
import { judgeRun, judgeSample } from '../../../src/planner/analysis';

const spec = { interval: 1000, count: 3, maxErrorRate: 0.01, maxLatencyP99: 500, minRequests: 20, failureLimit: 0 };

describe('analysis judge', () => {
  it.each([
    [{ requests: 10, errors: 0 }, 'inconclusive', /fewer than minRequests 20/],
    [{ requests: 100, errors: 1 }, 'pass', /error rate 1.00% of 100 requests/],
    [{ requests: 100, errors: 2 }, 'fail', /error rate 2.00% \(2\/100\) above 1.00%/],
    [{ requests: 100, errors: 0, p99Ms: 800 }, 'fail', /p99 latency 800ms above 500ms/],
    [{ requests: 100, errors: 0, p99Ms: 120 }, 'pass', /p99 120ms/],
  ] as const)('judges %o as %s', (sample, verdict, reason) => {
    const result = judgeSample(spec, sample);
    expect(result.verdict).toBe(verdict);
    expect(result.reason).toMatch(reason);
  });

  it('fails as soon as failures exceed failureLimit, passes after count samples, is inconclusive with no signal', () => {
    const pass = { verdict: 'pass', reason: '' } as const;
    const fail = { verdict: 'fail', reason: '' } as const;
    const none = { verdict: 'inconclusive', reason: '' } as const;
    expect(judgeRun(spec, [fail])).toBe('failed');
    expect(judgeRun({ ...spec, failureLimit: 1 }, [fail])).toBe('running');
    expect(judgeRun({ ...spec, failureLimit: 1 }, [fail, pass, pass])).toBe('passed');
    expect(judgeRun(spec, [pass, pass])).toBe('running');
    expect(judgeRun(spec, [pass, none, pass])).toBe('passed');
    expect(judgeRun(spec, [none, none, none])).toBe('inconclusive');
  });
});
