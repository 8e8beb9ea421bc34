/**
 * Vitest global setup: bundles the workflow code once per run (webpack takes
 * seconds) and hands the file to every test file through `inject`.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

declare module 'vitest' {
  export interface ProvidedContext {
    workflowBundlePath: string;
  }
}

export default async function setup(project: { provide: (key: 'workflowBundlePath', value: string) => void }): Promise<() => void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bundle-'));
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'),
    logger: quietLogger,
  });
  const codePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(codePath, code);
  project.provide('workflowBundlePath', codePath);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
