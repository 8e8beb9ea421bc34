import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceName } from '../support/stack';
import { VERBS } from '../support/verbs';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/** Every verb as a user runs it: help, input errors, exit codes, --json. */
let cli: CliEnvironment;
beforeAll(async () => {
  cli = await cliEnvironment();
});
afterAll(async () => cli?.stop());

const spec = (overrides: Record<string, unknown> = {}) => ({
  service: testServiceName('verbs'),
  image: 'sluice-fixture:v1',
  replicas: 2,
  port: 8080,
  health: { path: '/ready' },
  strategy: { type: 'rolling' },
  traffic: { listenPort: 18999 },
  ...overrides,
});

describe('sluice verbs', () => {
  it.each(VERBS)('%s --help explains itself with an example', async (verb) => {
    const { code, stdout } = await cli.run([verb, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Examples:\n {2}\$ sluice /);
  });

  it('a spec with three mistakes exits 2 and names all three', async () => {
    const file = cli.writeSpec(
      'three-mistakes',
      spec({ service: 'Bad_Name', replicas: 0, strategy: { type: 'canary', steps: [{ setWeight: 150 }] } }),
    );
    const { code, stderr } = await cli.run(['validate', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('has 3 problems');
    expect(stderr).toMatch(/service: expected a lowercase name/);
    expect(stderr).toMatch(/replicas: expected at least 1 replica \(found 0\)/);
    expect(stderr).toMatch(/strategy\.steps\[0\]\.setWeight: expected a weight from 0 to 100 \(found 150\)/);
  });

  it('--json reports the same problems as data', async () => {
    const file = cli.writeSpec('json-mistakes', spec({ port: 0 }));
    const { code, stdout } = await cli.run(['--json', 'deploy', file, '--wait']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      details: { problems: [{ path: 'port', message: 'expected a port from 1 to 65535 (found 0)' }] },
    });
  });

  it('a rolling budget that cannot work is an input error before anything starts', async () => {
    const file = cli.writeSpec('budget', spec({ strategy: { type: 'rolling', maxSurge: 0, maxUnavailable: 0 } }));
    const { code, stderr } = await cli.run(['deploy', file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/strategy\.maxSurge: maxSurge and maxUnavailable both resolve to 0/);
  });

  it('plan prints the steps from what the worker sees, touching nothing', async () => {
    const file = cli.writeSpec('plan', spec());
    const { code, stdout } = await cli.run(['plan', file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/1\. \[preparing\] prepare the router/);
    expect(stdout).toMatch(/start 2 replicas of v1-[0-9a-f]{8}/);
    const json = await cli.run(['--json', 'plan', file]);
    expect(JSON.parse(json.stdout)).toMatchObject({ strategy: 'rolling', steps: expect.any(Array) });
  });

  it('plan with no worker on the task queue exits 5 and says how to start one', async () => {
    const file = cli.writeSpec('no-worker', spec());
    const { code, stderr } = await cli.run(['--task-queue', 'nobody-polls-this', 'plan', file]);
    expect(code).toBe(5);
    expect(stderr).toMatch(/no sluice worker polls task queue nobody-polls-this .*start one with `sluice worker`/);
  });

  it('an unknown service, and messages to a service with nothing running, exit 2', async () => {
    expect((await cli.run(['status', 'no-such-service'])).code).toBe(2);
    const promote = await cli.run(['promote', 'no-such-service']);
    expect(promote.code).toBe(2);
    expect(promote.stderr).toMatch(/no deployment of no-such-service found/);
  });

  it('Temporal down exits 5 with the fix', async () => {
    const { code, stderr } = await cli.run(['status', 'web'], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(code).toBe(5);
    expect(stderr).toMatch(/cannot reach Temporal at 127\.0\.0\.1:1 .*run `sluice dev` or set TEMPORAL_ADDRESS/);
  });

  it('unknown flags and missing arguments are input errors', async () => {
    expect((await cli.run(['deploy'])).code).toBe(2);
    expect((await cli.run(['status', 'web', '--bogus'])).code).toBe(2);
  });
});
