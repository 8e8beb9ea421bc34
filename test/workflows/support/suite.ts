/** The per-file setup of the workflow tests (vitest hooks), apart from the harness so scripts can use the harness without vitest. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, inject } from 'vitest';
import { timeSkippingEnvironment } from '../../support/temporal';
import { Harness } from './harness';

/** Registers a time-skipping environment and a harness for the calling test file. */
export function timeSkippingSuite(): { env: () => TestWorkflowEnvironment; harness: () => Harness } {
  let env: TestWorkflowEnvironment | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    env = await timeSkippingEnvironment();
    harness = new Harness(env, inject('workflowBundlePath'));
  });
  afterAll(async () => env?.teardown());
  return { env: () => env!, harness: () => harness! };
}
