/**
 * Figures derived from what a run leaves behind: the workflow's history (event
 * count, per-activity orchestration overhead), the load's timeline
 * (abort-to-stable), and the worker's /proc entry (peak RSS).
 */
import fs from 'node:fs';
import type { temporal } from '@temporalio/proto';
import type { RequestRecord } from './load/generator';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const millis = (event: HistoryEvent | undefined): number => {
  const time = event?.eventTime;
  if (!time) return 0;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
};

export interface HistoryFigures {
  events: number;
  activities: number;
  /**
   * Per activity: the workflow task that scheduled it (from the event that woke
   * the workflow to its answer) plus the wait until a worker started the
   * activity. What Temporal and the workflow code add on top of the work itself.
   */
  overheadPerActivityMs: number[];
  /** Time activities ran, timers ran, and the workflow waited for people: what the plan has to wait for. */
  activityMs: number;
  timerMs: number;
}

export function historyFigures(history: History): HistoryFigures {
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const overhead: number[] = [];
  let activityMs = 0;
  let timerMs = 0;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const taskCompleted = byId.get(Number(scheduled.workflowTaskCompletedEventId));
      const taskScheduled = byId.get(Number(taskCompleted?.workflowTaskCompletedEventAttributes?.scheduledEventId));
      const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(event.eventId));
      if (taskCompleted && taskScheduled && started)
        overhead.push(millis(taskCompleted) - millis(taskScheduled) + (millis(started) - millis(event)));
    }
    const completed =
      event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskCanceledEventAttributes;
    if (completed) activityMs += millis(event) - millis(byId.get(Number(completed.startedEventId)));
    const fired = event.timerFiredEventAttributes;
    if (fired) timerMs += millis(event) - millis(byId.get(Number(fired.startedEventId)));
  }
  return { events: events.length, activities: overhead.length, overheadPerActivityMs: overhead, activityMs, timerMs };
}

/**
 * From the moment an abort was accepted to the first moment after which every
 * answer comes from the stable release: the answer time of the last request
 * the other release served. 0 when none answered after the abort.
 */
export function abortToStableMs(records: RequestRecord[], loadStartEpochMs: number, abortAtEpochMs: number, stableRelease: string): number {
  let last = abortAtEpochMs;
  for (const record of records) {
    const answeredAt = loadStartEpochMs + record.sentAt + record.latencyMs;
    if (record.release && record.release !== stableRelease && answeredAt > abortAtEpochMs) last = Math.max(last, answeredAt);
  }
  return last - abortAtEpochMs;
}

export interface ProcessMemory {
  rssMb: number;
  /** Anonymous memory: the V8 heaps of the main and workflow threads, the SDK's Rust core. */
  anonymousMb: number;
  /** File-backed: the node binary and native modules mapped in. */
  fileBackedMb: number;
  threads: number;
}

const statusField = (status: string, field: string) =>
  Math.round((Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024) * 10) / 10;

/** What a process holds right now, split the way /proc/<pid>/status splits it. */
export function processMemory(pid: number): ProcessMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rssMb: statusField(status, 'VmRSS'),
    anonymousMb: statusField(status, 'RssAnon'),
    fileBackedMb: statusField(status, 'RssFile'),
    threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

/** Peak resident set size of a process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  return statusField(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmHWM');
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: number[]) => percentile(values, 50);
