import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeploymentInProgress } from '../../../src/temporal/deployments';
import { CliError, toCliError, unreachable } from '../../../src/client/errors';
import { FailureType, SettingError } from '../../../src/shared/errors';
import { workflowFailed } from '../../support/fake-temporal';

afterEach(() => vi.unstubAllEnvs());

describe('toCliError', () => {
  it('keeps a CliError as it is', () => {
    const error = new CliError(3, 'aborted');
    expect(toCliError(error)).toBe(error);
  });

  it('another deployment of the service running is exit 4', () => {
    expect(toCliError(new DeploymentInProgress('web'))).toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/^a deployment of web is already running/),
    });
    expect(toCliError(new WorkflowExecutionAlreadyStartedError('already started', 'deploy/web', 'deploy'))).toMatchObject({ exitCode: 4 });
  });

  it('no such deployment is exit 2, naming the service when it is known', () => {
    const missing = new WorkflowNotFoundError('workflow not found', 'deploy/web', undefined);
    expect(toCliError(missing, { service: 'web' })).toMatchObject({
      exitCode: 2,
      message: 'no deployment of web found: check the name, or deploy it first',
    });
    expect(toCliError(missing)).toMatchObject({ exitCode: 2, message: 'workflow not found' });
  });

  it.each([
    FailureType.invalidSpec,
    FailureType.planRejected,
    FailureType.portTaken,
    FailureType.imageNotFound,
    FailureType.secretUnavailable,
  ])('a deployment refused with %s touched nothing: exit 2 with the type in the details', (type) => {
    expect(toCliError(workflowFailed(type, 'why'))).toEqual(new CliError(2, 'refused, nothing was touched: why', { type }));
    expect(toCliError(workflowFailed(type, 'why')).details).toEqual({ type });
  });

  it('a deployment that failed after touching things is not "refused"', () => {
    expect(toCliError(workflowFailed(FailureType.replicaUnhealthy, 'replica unhealthy'))).toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^unexpected error: /),
    });
  });

  it('a rejected update is exit 2 with its reason', () => {
    expect(
      toCliError(new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ message: 'no gate is open' }))),
    ).toMatchObject({ exitCode: 2, message: 'rejected: no gate is open' });
  });

  it('encrypted payloads without the key are exit 2 naming the settings to copy from the workers', () => {
    expect(toCliError(new Error('Unknown encoding: binary/encrypted'))).toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/set SLUICE_CODEC_KEY \(and SLUICE_CODEC_OLD_KEYS\) as on the workers/),
    });
  });

  it.each([
    'connect ECONNREFUSED 127.0.0.1:7233',
    '14 UNAVAILABLE: No connection established',
    'Failed to connect before the deadline',
    '4 DEADLINE_EXCEEDED: deadline exceeded',
  ])('%s is exit 5 (unreachable)', (message) => {
    expect(toCliError(new Error(message), { address: 'temporal.example:7233' })).toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/^cannot reach Temporal at temporal\.example:7233 /),
    });
  });

  it('unreachable without a known address names $TEMPORAL_ADDRESS, else the default; only the first line of the cause', () => {
    vi.stubEnv('TEMPORAL_ADDRESS', 'from-env:7233');
    expect(toCliError(new Error('ECONNREFUSED\nat stack')).message).toBe(
      'cannot reach Temporal at from-env:7233 (ECONNREFUSED): run `sluice dev` or set TEMPORAL_ADDRESS',
    );
    vi.stubEnv('TEMPORAL_ADDRESS', undefined);
    expect(toCliError(new Error('ECONNREFUSED')).message).toMatch(/at localhost:7233 /);
    expect(unreachable('a:1', 'first\nsecond')).toMatchObject({
      exitCode: 5,
      message: 'cannot reach Temporal at a:1 (first): run `sluice dev` or set TEMPORAL_ADDRESS',
    });
  });

  it('a wrong setting (a variable of the environment) is exit 2, its message as it is', () => {
    expect(toCliError(new SettingError('SLUICE_CODEC_OLD_KEYS must be "id:base64,id:base64"'))).toMatchObject({
      exitCode: 2,
      message: 'SLUICE_CODEC_OLD_KEYS must be "id:base64,id:base64"',
    });
  });

  it('anything else is exit 1, "unexpected error", even a thrown non-Error', () => {
    expect(toCliError(new Error('boom'))).toMatchObject({ exitCode: 1, message: 'unexpected error: boom' });
    expect(toCliError('just a string')).toMatchObject({ exitCode: 1, message: 'unexpected error: just a string' });
  });
});
