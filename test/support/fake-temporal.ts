/**
 * An in-memory stand-in for the parts of a Temporal client the CLI verbs use: start, handles
 * (describe, query, signal, update, result), list, execute, the task queue's pollers, deadlines.
 * Runs are scripted by the test: what their status query answers, how they end, what an update
 * answers. Unit tests of src/client/commands run the real `sluice` program against it.
 */
import { RetryState, TypedSearchAttributes } from '@temporalio/common';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { TemporalSettings } from '../../src/temporal/connection';
import { notReleasedFailureType } from '../../src/shared/errors';
import type { DeployResult } from '../../src/shared/messages';
import { deploymentWorkflowId } from '../../src/shared/names';
import type { DeploymentStatus, KnownHost } from '../../src/domain';
import { initialStatus } from '../../src/planner/status';
import { searchAttributeUpdates } from '../../src/shared/search-attributes';

export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'TERMINATED' | 'CANCELED' | 'TIMED_OUT';

/** A deployment's status as the query returns it: a fresh one, with the fields the test cares about. */
export function deploymentStatus(overrides: Partial<DeploymentStatus> = {}): DeploymentStatus {
  return {
    ...initialStatus('web', '2030-01-01T00:00:00.000Z'),
    strategy: 'rolling',
    image: 'app:v2',
    targetRelease: 'v2-abc',
    ...overrides,
  };
}

export function deployResult(overrides: Partial<DeployResult> = {}): DeployResult {
  return {
    outcome: 'released',
    service: 'web',
    targetRelease: 'v2-abc',
    stableRelease: 'v1-abc',
    serving: 'v2-abc',
    timeline: [],
    decisions: [],
    compensationFailures: [],
    ...overrides,
  };
}

/** How a workflow that did not complete reports itself to `result()`: as the real client does. */
export function workflowFailed(type: string, message: string, details?: unknown): WorkflowFailedError {
  return new WorkflowFailedError(
    'Workflow execution failed',
    ApplicationFailure.create({ type, message, details: details === undefined ? undefined : [details] }),
    RetryState.NON_RETRYABLE_FAILURE,
  );
}

/** A deployment that ended without releasing: its workflow fails with the result as details. */
export function notReleased(result: DeployResult): WorkflowFailedError {
  const outcome = result.outcome === 'released' ? 'failed' : result.outcome;
  return workflowFailed(notReleasedFailureType(outcome), result.reason ?? outcome, result);
}

export interface FakeRun {
  workflowId: string;
  runId: string;
  status: RunStatus;
  startTime: Date;
  closeTime?: Date;
  /** What the status query answers; undefined: no worker answers (the query fails). */
  answer?: DeploymentStatus | KnownHost[] | (() => DeploymentStatus);
  /** How `result()` settles: a result (completed), or an error (failed, terminated). Unset: never settles. */
  outcome?: { result: DeployResult } | { error: Error };
  /** What the promote update answers (or throws). */
  onUpdate?: (name: string, arg: unknown) => unknown;
  searchAttributes: Record<string, string>;
  memo: Record<string, unknown>;
  /** Start options and input, as the verb sent them. */
  started?: { workflowType: string; options: Record<string, unknown> };
  signals: Array<{ name: string; arg: unknown }>;
  updates: Array<{ name: string; arg: unknown }>;
  queries: number;
}

let runCounter = 0;

export class FakeTemporal {
  readonly runs: FakeRun[] = [];
  /** Workers polling the task queue. */
  pollers = 1;
  /** Workers polling a given task queue (a fleet host's): `pollers` unless a test says otherwise. */
  pollersOf: (taskQueue: string) => number = () => this.pollers;
  /** How a run the verb starts behaves (its status answer, its end); by default it runs and a worker planned it. */
  onStart: (run: FakeRun) => void = (run) => {
    run.answer = deploymentStatus({ service: String(run.searchAttributes.service), targetRelease: 'v2-abc' });
  };
  /** What `workflow.execute` (the plan preview) returns, given its options. */
  onExecute: (workflowType: string, options: Record<string, unknown>) => unknown = () => {
    throw new Error('workflow.execute not scripted');
  };
  /** Called after each describe: a test starts a newer run here (a deploy that began meanwhile). */
  onDescribe: () => void = () => undefined;
  readonly executed: Array<{ workflowType: string; options: Record<string, unknown> }> = [];
  readonly deadlines: number[] = [];

  /** Adds a run of deploy/<service>, newest last. */
  addRun(service: string, run: Partial<Omit<FakeRun, 'workflowId' | 'signals' | 'updates' | 'queries'>> = {}): FakeRun {
    return this.addWorkflow(deploymentWorkflowId(service), { searchAttributes: { service }, ...run });
  }

  /** Adds a run of any workflow (the host registry), newest last. */
  addWorkflow(workflowId: string, run: Partial<Omit<FakeRun, 'workflowId' | 'signals' | 'updates' | 'queries'>> = {}): FakeRun {
    const added: FakeRun = {
      workflowId,
      runId: `run-${++runCounter}`,
      status: 'RUNNING',
      startTime: new Date(Date.UTC(2030, 0, 1, 0, this.runs.length)),
      searchAttributes: {},
      memo: {},
      signals: [],
      updates: [],
      queries: 0,
      ...run,
    };
    this.runs.push(added);
    return added;
  }

  /** The runs of one service, oldest first. */
  runsOf(service: string): FakeRun[] {
    return this.runs.filter((r) => r.workflowId === deploymentWorkflowId(service));
  }

  private find(workflowId: string, runId?: string): FakeRun {
    const runs = this.runs.filter((r) => r.workflowId === workflowId && (runId === undefined || r.runId === runId));
    const run = runs.at(-1);
    if (!run) throw new WorkflowNotFoundError(`workflow not found for ID: ${workflowId}`, workflowId, runId);
    return run;
  }

  private handle(workflowId: string, runId?: string, firstExecutionRunId?: string) {
    const run = () => this.find(workflowId, runId);
    return {
      client: this.client,
      workflowId,
      runId,
      ...(firstExecutionRunId ? { firstExecutionRunId } : {}),
      describe: async () => {
        const r = run();
        this.onDescribe();
        return { workflowId: r.workflowId, runId: r.runId, status: { name: r.status }, startTime: r.startTime, closeTime: r.closeTime };
      },
      query: async () => {
        const r = run();
        r.queries++;
        if (r.answer === undefined) throw new Error('no worker answered the query');
        return typeof r.answer === 'function' ? r.answer() : r.answer;
      },
      result: () => {
        const r = run();
        if (!r.outcome) return new Promise<never>(() => undefined);
        return 'result' in r.outcome ? Promise.resolve(r.outcome.result) : Promise.reject(r.outcome.error);
      },
      signal: async (definition: { name: string }, arg: unknown) => {
        run().signals.push({ name: definition.name, arg });
      },
      executeUpdate: async (definition: { name: string }, options: { args: unknown[] }) => {
        const r = run();
        r.updates.push({ name: definition.name, arg: options.args[0] });
        if (!r.onUpdate)
          throw new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ message: 'no gate to promote' }));
        return r.onUpdate(definition.name, options.args[0]);
      },
    };
  }

  readonly client = {
    connection: {
      withDeadline: <T>(deadline: number, fn: () => Promise<T>): Promise<T> => {
        this.deadlines.push(deadline);
        return fn();
      },
    },
    workflowService: {
      describeTaskQueue: async (request: { taskQueue: { name: string } }) => ({
        pollers: Array.from({ length: this.pollersOf(request.taskQueue.name) }, () => ({})),
      }),
    },
    workflow: {
      start: async (workflowType: string, options: Record<string, unknown>) => {
        const workflowId = options.workflowId as string;
        if (this.runs.some((r) => r.workflowId === workflowId && r.status === 'RUNNING')) {
          throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', workflowId, workflowType);
        }
        const attributes = Object.fromEntries(
          (options.typedSearchAttributes as Array<{ key: { name: string }; value: string }>).map(({ key, value }) => [
            key.name.replace(/^Sluice/, '').toLowerCase(),
            value,
          ]),
        );
        const run = this.addRun(workflowId.replace(/^deploy\//, ''), {
          searchAttributes: attributes,
          memo: options.memo as Record<string, unknown>,
          started: { workflowType, options },
        });
        this.onStart(run);
        return this.handle(workflowId, undefined, run.runId);
      },
      getHandle: (workflowId: string, runId?: string) => this.handle(workflowId, runId),
      execute: async (workflowType: string, options: Record<string, unknown>) => {
        this.executed.push({ workflowType, options });
        return this.onExecute(workflowType, options);
      },
      list: (options: { query: string }) => {
        const service = /SluiceService = "([^"]+)"/.exec(options.query)?.[1];
        const releasedOnly = options.query.includes('SluicePhase = "released"');
        const runs = this.runs.filter(
          (r) => r.searchAttributes.service === service && (!releasedOnly || r.searchAttributes.phase === 'released'),
        );
        return (async function* () {
          for (const r of [...runs].reverse()) {
            const pairs = searchAttributeUpdates(r.searchAttributes);
            yield {
              workflowId: r.workflowId,
              runId: r.runId,
              startTime: r.startTime,
              closeTime: r.closeTime,
              status: { name: r.status },
              memo: r.memo,
              typedSearchAttributes: new TypedSearchAttributes(pairs),
            };
          }
        })();
      },
    },
  };
}

/**
 * What the CLI's `connectClient` returns in unit tests (mock src/temporal/connection with
 * `connectStub`): the current fake, or the failure to connect the test set.
 */
export const temporalStub: { current?: FakeTemporal; failure?: Error; connected: TemporalSettings[] } = { connected: [] };

export async function connectStub(settings: TemporalSettings): Promise<Client> {
  temporalStub.connected.push(settings);
  if (temporalStub.failure) throw temporalStub.failure;
  if (!temporalStub.current) throw new Error('test bug: this verb connected to Temporal, and the test gave it no fake');
  return temporalStub.current.client as unknown as Client;
}
