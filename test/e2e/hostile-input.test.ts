import Docker from 'dockerode';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY_VALUE } from '../../src/shared/names';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/**
 * Every file in test/fixtures/hostile-specs (its first line says which field
 * must be named) goes to `sluice deploy` and `sluice validate`: exit 2, the
 * field named, and nothing touched: no workflow, no container, no nginx file.
 */
const dir = path.resolve(__dirname, '../fixtures/hostile-specs');
const files = fs.readdirSync(dir).sort();
const expectedField = (file: string) =>
  file.endsWith('.bin') ? '(spec)' : /^# expect: (.+)$/m.exec(fs.readFileSync(path.join(dir, file), 'utf8'))![1]!;

let cli: CliEnvironment;
const docker = new Docker();
const startedAt = new Date();
let nginxFilesBefore: string[];

// Files whose service name is valid use `hostile`: no container may ever carry it (other test files run in parallel).
const sluiceContainers = async () =>
  (await docker.listContainers({ all: true, filters: { label: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`, `${LABELS.service}=hostile`] } }))
    .map((c) => c.Id)
    .sort();
const listFiles = (root: string): string[] => (fs.existsSync(root) ? fs.readdirSync(root, { recursive: true }).map(String).sort() : []);

beforeAll(async () => {
  cli = await cliEnvironment();
  nginxFilesBefore = listFiles(cli.env.SLUICE_NGINX_CONF_DIR!);
});
afterAll(async () => cli?.stop());

describe('hostile and broken specs', () => {
  it('the corpus covers every class of bad input', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)('%s: exit 2, naming the field', async (file) => {
    const field = expectedField(file);
    for (const verb of ['validate', 'deploy']) {
      const { code, stderr } = await cli.run([verb, path.join(dir, file)]);
      expect(code, `${verb}: ${stderr}`).toBe(2);
      expect(stderr, verb).toContain(`  ${field}: `);
    }
  });

  it('a spec file over 1 MiB is refused before it is parsed', async () => {
    const big = path.join(cli.dir, 'big.yaml');
    fs.writeFileSync(big, `# ${'x'.repeat(1024 * 1024)}\nservice: web\n`);
    const { code, stderr } = await cli.run(['deploy', big]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/a spec is at most 1048576 bytes/);
  });

  it('touched nothing: no workflow started, no container, no nginx file', async () => {
    const client = new (await import('@temporalio/client')).Client({
      connection: await (await import('@temporalio/client')).Connection.connect({ address: cli.env.TEMPORAL_ADDRESS! }),
      namespace: cli.env.TEMPORAL_NAMESPACE!,
    });
    const started = [];
    for await (const execution of client.workflow.list({
      query: `TaskQueue = "${cli.env.SLUICE_TASK_QUEUE}" AND WorkflowType = "deploy" AND StartTime >= "${startedAt.toISOString()}"`,
    }))
      started.push(execution.workflowId);
    await client.connection.close();
    expect(started).toEqual([]);
    expect(await sluiceContainers()).toEqual([]);
    expect(listFiles(cli.env.SLUICE_NGINX_CONF_DIR!)).toEqual(nginxFilesBefore);
  });
});
