import { describe, expect, it, vi } from 'vitest';
import { whileEngineAnswers, type RunnableWorker } from '../../../src/worker/engine-watch';
import { runWorkers } from '../../../src/worker/worker';

/** A worker that runs until shut down (or `fail`ed). */
class FakeWorker implements RunnableWorker {
  state = 'INITIALIZED';
  private end?: { resolve: () => void; reject: (error: Error) => void };

  run(): Promise<void> {
    this.state = 'RUNNING';
    return new Promise<void>((resolve, reject) => (this.end = { resolve, reject })).then(() => {
      this.state = 'STOPPED';
    });
  }
  shutdown(): void {
    this.state = 'STOPPING';
    this.end?.resolve();
  }
  fail(error: Error): void {
    this.state = 'FAILED';
    this.end?.reject(error);
  }
  getState(): string {
    return this.state;
  }
}

const until = async (condition: () => boolean) => {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 500) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

function watched(answers: () => boolean) {
  const first = new FakeWorker();
  const created: FakeWorker[] = [];
  const log = { warn: vi.fn(), info: vi.fn() };
  const create = vi.fn(async () => {
    const worker = new FakeWorker();
    created.push(worker);
    return worker;
  });
  const worker = whileEngineAnswers(first, create, { answers: async () => answers(), everyMs: 5, misses: 3, log });
  return { first, created, create, log, worker };
}

describe("a fleet host's activity worker, watching its Docker Engine", () => {
  it('polls while the engine answers, and stops when shut down', async () => {
    const { first, create, worker } = watched(() => true);
    const running = worker.run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(first.getState()).toBe('RUNNING');
    worker.shutdown();
    await running;
    expect(first.getState()).toBe('STOPPED');
    expect(create).not.toHaveBeenCalled();
  });

  it('stops polling after 3 unanswered asks in a row (its host counts as lost), and polls again with a new worker once the engine answers', async () => {
    let engine = true;
    const { first, created, log, worker } = watched(() => engine);
    const running = worker.run();
    await new Promise((resolve) => setTimeout(resolve, 30));
    engine = false;
    await until(() => first.getState() === 'STOPPED');
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringMatching(/did not answer 3 times in a row: this worker takes none of the host's work/),
    );
    expect(worker.getState()).toBe('RUNNING');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(created).toHaveLength(0);
    engine = true;
    await until(() => created[0]?.getState() === 'RUNNING');
    expect(log.info).toHaveBeenCalledWith(expect.stringMatching(/answers again/));
    worker.shutdown();
    await running;
    expect(created[0]!.getState()).toBe('STOPPED');
  });

  it('an engine that misses fewer asks in a row than the limit keeps the worker polling', async () => {
    let asks = 0;
    const { first, worker } = watched(() => ++asks % 3 !== 0);
    const running = worker.run();
    await until(() => asks > 12);
    expect(first.getState()).toBe('RUNNING');
    worker.shutdown();
    await running;
  });

  it('a shutdown while it waits for the engine ends it at once, with no new worker', async () => {
    const { first, create, worker } = watched(() => false);
    const running = worker.run();
    await until(() => first.getState() === 'STOPPED');
    worker.shutdown();
    await running;
    expect(create).not.toHaveBeenCalled();
    expect(worker.getState()).toBe('STOPPING');
  });

  it('ends when its current worker ends by itself (the runtime shut it down on a signal), and fails when it fails', async () => {
    const ended = watched(() => true);
    const running = ended.worker.run();
    ended.first.shutdown();
    await running;
    const failed = watched(() => true);
    const failing = failed.worker.run();
    failed.first.fail(new Error('the connection to Temporal broke'));
    await expect(failing).rejects.toThrow('the connection to Temporal broke');
  });

  it("runWorkers shuts the others down when one ends: a host's activities waiting for their engine stop with the process", async () => {
    const { worker } = watched(() => false);
    const workflows = new FakeWorker();
    const running = runWorkers([workflows, worker]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    workflows.shutdown();
    await running;
    expect(worker.getState()).toBe('STOPPING');
  });
});
