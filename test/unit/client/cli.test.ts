import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../../src/client/cli';
import { FakeTemporal } from '../../support/fake-temporal';
import { runCli } from '../../support/run-cli';
import { VERBS } from '../../support/verbs';

vi.mock('../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../support/fake-temporal.js')).connectStub,
}));

describe('the sluice program', () => {
  it('has every verb', () => {
    expect(buildProgram().commands.map((c) => c.name())).toEqual(VERBS);
  });

  it('--help is exit 0; an unknown verb or option is a usage error, exit 2', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    expect(await runCli(['launch', 'web'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command 'launch'/) });
    expect(await runCli(['status', 'web', '--colour'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown option '--colour'/),
    });
  });

  it('--json turns a failure into one JSON document on stdout, with the same exit code', async () => {
    const { code, stdout, stderr } = await runCli(['--json', 'status', 'nope'], { temporal: new FakeTemporal() });
    expect(code).toBe(2);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({ error: 'no deployment of nope found: check the name, or deploy it first' });
  });

  it('anything unexpected a verb throws is exit 1 and one line, never a stack trace', async () => {
    const temporal = new FakeTemporal();
    temporal.client.workflow.getHandle = () => {
      throw new TypeError('cannot read properties of undefined');
    };
    const { code, stderr } = await runCli(['status', 'web'], { temporal });
    expect(code).toBe(1);
    expect(stderr).toBe('sluice: unexpected error: cannot read properties of undefined\n');
  });
});
