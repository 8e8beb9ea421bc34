import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackUp } from '../../../src/stack';
import { readStackEnv } from '../../../src/stack/env-file';
import { stackSettings } from '../../../src/stack/settings';
import { stackValue } from '../../support/stack';

describe('the test registry', () => {
  const base = `http://${stackValue('SLUICE_TEST_REGISTRY')}/v2/`;

  it('refuses anonymous requests with a basic-auth challenge', async () => {
    const response = await fetch(base);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="sluice-test-registry"/);
  });

  it('answers the user the stack recorded', async () => {
    const token = Buffer.from(`${stackValue('SLUICE_TEST_REGISTRY_USER')}:${stackValue('SLUICE_TEST_REGISTRY_PASSWORD')}`).toString(
      'base64',
    );
    expect((await fetch(base, { headers: { authorization: `Basic ${token}` } })).status).toBe(200);
    expect((await fetch(base, { headers: { authorization: `Basic ${Buffer.from('docker:wrong').toString('base64')}` } })).status).toBe(401);
  });

  it('stays in stack.env when the stack is brought up again without it (the demo, `sluice dev`)', async () => {
    const settings = stackSettings(process.env, path.resolve(__dirname, '..', '..', '..'));
    const values = await stackUp(settings, { fixtures: false });
    expect(values.SLUICE_TEST_REGISTRY).toBe(stackValue('SLUICE_TEST_REGISTRY'));
    expect(readStackEnv(settings.stateDir)).toMatchObject({
      SLUICE_TEST_REGISTRY: stackValue('SLUICE_TEST_REGISTRY'),
      SLUICE_TEST_REGISTRY_USER: stackValue('SLUICE_TEST_REGISTRY_USER'),
      SLUICE_TEST_REGISTRY_PASSWORD: stackValue('SLUICE_TEST_REGISTRY_PASSWORD'),
    });
  });
});
