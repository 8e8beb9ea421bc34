/**
 * The analysis judge: turns measurements of the canary (taken by an activity
 * from the router's own records) into a verdict. A sample with too few
 * requests says nothing; a run fails as soon as failures exceed failureLimit;
 * a run where no sample said anything is inconclusive and waits for a person.
 */
import { formatDuration } from '../shared/duration';
import type { AnalysisSpec } from '../domain';

export interface AnalysisSample {
  requests: number;
  errors: number;
  /** 99th percentile latency in the window; absent when there were no requests. */
  p99Ms?: number;
}

export type SampleVerdict = { verdict: 'pass' | 'fail' | 'inconclusive'; reason: string };

export function judgeSample(spec: AnalysisSpec, sample: AnalysisSample): SampleVerdict {
  if (sample.requests < Math.max(1, spec.minRequests)) {
    return { verdict: 'inconclusive', reason: `${sample.requests} request(s), fewer than minRequests ${spec.minRequests}` };
  }
  const errorRate = sample.errors / sample.requests;
  const rate = `${(errorRate * 100).toFixed(2)}%`;
  if (errorRate > spec.maxErrorRate) {
    return {
      verdict: 'fail',
      reason: `error rate ${rate} (${sample.errors}/${sample.requests}) above ${(spec.maxErrorRate * 100).toFixed(2)}%`,
    };
  }
  if (spec.maxLatencyP99 !== undefined && sample.p99Ms !== undefined && sample.p99Ms > spec.maxLatencyP99) {
    return { verdict: 'fail', reason: `p99 latency ${Math.round(sample.p99Ms)}ms above ${formatDuration(spec.maxLatencyP99)}` };
  }
  return {
    verdict: 'pass',
    reason: `error rate ${rate} of ${sample.requests} requests${sample.p99Ms !== undefined ? `, p99 ${Math.round(sample.p99Ms)}ms` : ''}`,
  };
}

export type RunVerdict = 'running' | 'passed' | 'failed' | 'inconclusive';

/** The verdict after the samples so far: decided early on failure, otherwise after `count` samples. */
export function judgeRun(spec: AnalysisSpec, verdicts: SampleVerdict[]): RunVerdict {
  const failures = verdicts.filter((v) => v.verdict === 'fail').length;
  if (failures > spec.failureLimit) return 'failed';
  if (verdicts.length < spec.count) return 'running';
  return verdicts.some((v) => v.verdict === 'pass') ? 'passed' : 'inconclusive';
}
