import { describe, expect, it, vi } from 'vitest';
import { deployResult, FakeTemporal, notReleased } from '../../../support/fake-temporal';
import { temporalStub } from '../../../support/fake-temporal';
import { runCli, parseVerb } from '../../../support/run-cli';
import { specDocument } from '../../../support/specs';
import { registerHistory } from '../../../../src/client/commands/history';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

const at = '2030-01-01T00:00:00.000Z';

function history(): FakeTemporal {
  const temporal = new FakeTemporal();
  temporal.addRun('web', {
    status: 'COMPLETED',
    searchAttributes: { service: 'web', release: 'v1-abc', strategy: 'canary', phase: 'released' },
    memo: { image: 'app:v1', requestedBy: 'alice@laptop', spec: specDocument() },
    outcome: {
      result: deployResult({
        targetRelease: 'v1-abc',
        decisions: [
          { kind: 'promote', by: 'bob', at, result: 'accepted' },
          { kind: 'pause', by: 'carol', at, result: 'accepted' },
          { kind: 'abort', by: 'dave', at, result: 'ignored' },
        ],
      }),
    },
  });
  temporal.addRun('web', {
    status: 'FAILED',
    searchAttributes: { service: 'web', release: 'v2-def', strategy: 'canary', phase: 'aborted' },
    memo: { image: 'app:v2', requestedBy: 'ci:7' },
    outcome: {
      error: notReleased(
        deployResult({ outcome: 'aborted', reason: 'p99 up', decisions: [{ kind: 'abort', by: 'erin', at, result: 'accepted' }] }),
      ),
    },
  });
  temporal.addRun('web', {
    status: 'RUNNING',
    searchAttributes: { service: 'web', strategy: 'rolling' },
    memo: { image: 'app:v3', requestedBy: 'ci:8' },
  });
  return temporal;
}

describe('sluice history', () => {
  it('a table, newest first: release, strategy, outcome, who started, and the accepted promote/abort decisions', async () => {
    const { code, stdout } = await runCli(['history', 'web'], { temporal: history() });
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'STARTED (UTC)        RELEASE  STRATEGY  OUTCOME   STARTED BY    DECISIONS',
      '2030-01-01 00:02:00  -        rolling   running   ci:8          -',
      '2030-01-01 00:01:00  v2-def   canary    aborted   ci:7          abort by erin',
      '2030-01-01 00:00:00  v1-abc   canary    released  alice@laptop  promote by bob',
    ]);
  });

  it('--json: one row per deployment with its reason, and never the recorded spec', async () => {
    const { code, stdout } = await runCli(['--json', 'history', 'web', '--limit', '2'], { temporal: history() });
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.outcome)).toEqual(['running', 'aborted']);
    expect(rows[1]).toMatchObject({ release: 'v2-def', reason: 'p99 up', requestedBy: 'ci:7', decisions: ['abort by erin'] });
    expect(rows.every((r) => !('spec' in r))).toBe(true);
  });

  it('refuses a bad name or --limit before connecting (exit 2)', async () => {
    for (const [args, message] of [
      [['history', 'WEB'], '"WEB" is not a service name (lowercase letters, digits and -)'],
      [['history', 'web', '--limit', '0'], '--limit: expected a whole number from 1 to 1000'],
      [['history', 'web', '--limit', '1001'], '--limit: expected a whole number from 1 to 1000'],
      [['history', 'web', '--limit', '2.5'], '--limit: expected a whole number from 1 to 1000'],
    ] as const) {
      expect(await runCli([...args], { temporal: history() })).toMatchObject({ code: 2, stderr: `sluice: ${message}\n` });
    }
    expect(temporalStub.connected).toEqual([]);
  });

  it('no deployments of the service: exit 2', async () => {
    expect(await runCli(['history', 'api'], { temporal: history() })).toMatchObject({
      code: 2,
      stderr: 'sluice: no deployments of api found\n',
    });
  });
});

describe('sluice history: arguments', () => {
  it('a service and --limit (10 unless told)', async () => {
    expect(await parseVerb(registerHistory, ['history', 'web'])).toEqual({ args: ['web'], options: { limit: '10' } });
    expect(await parseVerb(registerHistory, ['history', 'web', '--limit', '50'])).toEqual({ args: ['web'], options: { limit: '50' } });
  });
});
