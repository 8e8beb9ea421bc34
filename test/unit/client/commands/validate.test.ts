import { describe, expect, it, vi } from 'vitest';
import { releaseId } from '../../../../src/planner/release';
import { temporalStub } from '../../../support/fake-temporal';
import { runCli, parseVerb } from '../../../support/run-cli';
import { makeSpec, specDocument, specFile } from '../../../support/specs';
import { registerValidate } from '../../../../src/client/commands/validate';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

describe('sluice validate', () => {
  it('a valid spec: exit 0, the summary line, and its release id; no connection to Temporal', async () => {
    const file = specFile();
    const { code, stdout, stderr } = await runCli(['validate', file]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(`${file} is valid: web, sluice-fixture:v2, rolling, 3 replica(s), release ${releaseId(makeSpec())}\n`);
    expect(temporalStub.connected).toEqual([]);
  });

  it('--image replaces the image before validation, and --json prints one document', async () => {
    const { code, stdout } = await runCli(['--json', 'validate', specFile(), '--image', 'app:v9']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      valid: true,
      service: 'web',
      image: 'app:v9',
      strategy: 'rolling',
      replicas: 3,
      release: releaseId(makeSpec({ image: 'app:v9' })),
    });
  });

  it('every problem at once, each with its field path: exit 2 on stderr', async () => {
    const file = specFile(specDocument({ replicas: 0, port: 'http' }));
    const { code, stdout, stderr } = await runCli(['validate', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      new RegExp(`^sluice: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 2 problems:\n  replicas: .+\n  port: .+\n$`),
    );
  });

  it('a problem only the planner finds (a rolling budget of 0) is caught too', async () => {
    const { code, stderr } = await runCli([
      'validate',
      specFile(specDocument({ replicas: 1, strategy: { type: 'rolling', maxUnavailable: 0, maxSurge: 0 } })),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/has 1 problem:\n {2}strategy\./);
  });

  it('a missing file is exit 2 with the reason; a missing argument is a usage error (exit 2)', async () => {
    expect(await runCli(['validate', '/nonexistent/web.yaml'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read \/nonexistent\/web\.yaml \(ENOENT\)/),
    });
    expect(await runCli(['validate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/missing required argument 'spec'/) });
  });
});

describe('sluice validate: arguments', () => {
  it('a spec file and an optional --image', async () => {
    expect(await parseVerb(registerValidate, ['validate', 'web.yaml', '--image', 'app:v2'])).toEqual({
      args: ['web.yaml'],
      options: { image: 'app:v2' },
    });
    await expect(parseVerb(registerValidate, ['validate', 'a.yaml', 'b.yaml'])).rejects.toMatchObject({
      code: 'commander.excessArguments',
    });
  });
});
