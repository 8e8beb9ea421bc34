import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run';
import { PROFILES } from '../../bench/scenarios';

/**
 * `npm run bench -- --quick` as a test: every sluice scenario under load ends
 * with zero failed requests and the outcome it is built for. No timings are
 * asserted; docs/benchmarks.md holds the measured figures of a full run.
 */
describe('the quick benchmark profile', () => {
  it('loses no request in any sluice scenario', async () => {
    const results = await runBench({ profile: PROFILES.quick, writeDocs: false, log: () => undefined });
    const sluice = results.scenarios.filter((s) => s.sluice);
    expect(sluice.map((s) => s.name)).toEqual([
      'rolling',
      'blue-green switch',
      'blue-green instant rollback',
      'canary promoted',
      'canary aborted at 50%',
      'bad release rolled back',
    ]);
    for (const scenario of sluice) {
      expect(scenario.load.failures, scenario.name).toEqual({ refused: 0, reset: 0, http5xx: 0, timeout: 0, other: 0 });
      expect(scenario.load.sent, scenario.name).toBeGreaterThan(500);
      expect(
        scenario.deployments.map((d) => d.outcome),
        scenario.name,
      ).toEqual(scenario.deployments.map((d) => d.expected));
    }
  });
});
