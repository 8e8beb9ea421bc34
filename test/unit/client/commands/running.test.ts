import { describe, expect, it } from 'vitest';
import { runningHandle } from '../../../../src/client/commands/running';
import type { CliContext } from '../../../../src/client/context';
import type { CliError } from '../../../../src/client/errors';
import { abortSignal } from '../../../../src/shared/messages';
import { FakeTemporal } from '../../../support/fake-temporal';

const contextOf = (temporal: FakeTemporal) => ({ client: async () => temporal.client }) as unknown as CliContext;

describe('runningHandle', () => {
  it('is pinned to the run it found running: a message sent later never reaches a deployment started since', async () => {
    const temporal = new FakeTemporal();
    const running = temporal.addRun('web');
    const handle = await runningHandle(contextOf(temporal), 'web');
    running.status = 'COMPLETED';
    const newer = temporal.addRun('web');
    await handle.signal(abortSignal, { by: 'me' });
    expect(running.signals).toEqual([{ name: 'abort', arg: { by: 'me' } }]);
    expect(newer.signals).toEqual([]);
  });

  it('refuses with exit 2 when the latest deployment is not running, saying how it ended', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', { status: 'TIMED_OUT' });
    const error = (await runningHandle(contextOf(temporal), 'web').catch((e: unknown) => e)) as CliError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('no deployment of web is running (the last one is timed_out): see `sluice status web`');
  });
});
