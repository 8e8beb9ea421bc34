/**
 * A fleet host's activity worker polls its host's task queue only while the host's Docker Engine
 * answers. A host whose engine is gone then takes none of its work, and its deployments count it
 * lost after the spec's hostLostAfter, as they do a host whose worker is gone (the fleet goes on
 * without it or rolls back, per onHostLost), instead of failing step after step until the progress
 * deadline. Once the engine answers again the worker polls again, and the host is back.
 */

/** What of a Temporal Worker the supervision needs (tests pass fakes). */
export interface RunnableWorker {
  run(): Promise<void>;
  shutdown(): void;
  getState(): string;
}

export interface EngineWatch {
  /** Whether the engine answers (a ping); never throws. */
  answers(): Promise<boolean>;
  /** How often to ask. */
  everyMs: number;
  /** Consecutive unanswered asks before the worker stops polling. */
  misses: number;
  log: { warn(message: string): void; info(message: string): void };
}

/** Unanswered within this long, an ask counts as a miss (a hung engine answers nothing). */
const ASK_TIMEOUT_MS = 5_000;

/**
 * A worker for the host's activities that stops polling while the engine does not answer, and
 * polls again (a new worker from `create`) once it does. It runs until shutdown() or until the
 * current worker ends by itself (the process is shutting down); a worker that fails fails it.
 */
export function whileEngineAnswers(first: RunnableWorker, create: () => Promise<RunnableWorker>, watch: EngineWatch): RunnableWorker {
  let current: RunnableWorker | undefined = first;
  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const asks = () =>
    Promise.race([watch.answers(), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ASK_TIMEOUT_MS).unref())]);

  /** Resolves when the engine missed `misses` asks in a row, or once `stopped` says so. */
  const engineGone = async (stopped: () => boolean): Promise<boolean> => {
    for (let missed = 0; missed < watch.misses;) {
      await pause(watch.everyMs);
      if (stopped()) return false;
      missed = (await asks()) ? 0 : missed + 1;
    }
    return true;
  };

  const supervise = async (): Promise<void> => {
    for (;;) {
      const worker = current!;
      let ended = false;
      const running = worker.run().finally(() => {
        ended = true;
        wake?.();
      });
      // Handled here too: a worker that fails while the engine is asked fails run() below, not the process.
      running.catch(() => undefined);
      const gone = await engineGone(() => ended || stopping);
      if (!gone || stopping) return running;
      watch.log.warn(
        `the host's Docker Engine did not answer ${watch.misses} times in a row: this worker takes none of the host's work until it does (its deployments count the host lost after hostLostAfter)`,
      );
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      current = undefined;
      while (!stopping && !(await asks())) await pause(watch.everyMs);
      if (stopping) return;
      const next = await create();
      // Shut down while it was being made: it never polls.
      if (stopping) return;
      watch.log.info("the host's Docker Engine answers again: this worker takes the host's work again");
      current = next;
    }
  };

  let supervising: Promise<void> | undefined;
  return {
    run: () => (supervising ??= supervise()),
    shutdown() {
      stopping = true;
      if (current?.getState() === 'RUNNING') current.shutdown();
      wake?.();
    },
    getState: () => (stopping ? 'STOPPING' : 'RUNNING'),
  };
}
