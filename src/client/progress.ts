/**
 * Showing a deployment as it runs. On a terminal: a live block (phase, step,
 * a weight bar per release, replica health, the gate waited on and the
 * command that answers it, elapsed time), redrawn in place. Elsewhere (CI
 * logs): one line per change.
 */
import type { DeploymentStatus, HostLive, HostStatus, Outcome } from '../domain';
import type { DeployResult } from '../shared/messages';
import { gateName } from '../planner/describe';
import { describeStatus } from '../planner/status';
import { formatTable } from './output';

const BAR = 24;

export function weightBar(percent: number): string {
  const filled = Math.round((percent / 100) * BAR);
  return `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
}

function elapsed(since: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * How a deployment ended, in the words every verb prints after `<service>: `: `rolledBack (why)`.
 * (The workflow's own failure message, `web rolledBack: why`, is recorded in histories and keeps its form.)
 */
export function describeOutcome({ outcome, reason }: { outcome: Outcome; reason?: string }): string {
  return reason ? `${outcome} (${reason})` : outcome;
}

/**
 * A fleet deployment's hosts, a row each: wave, state, release, the gate it waits at, and why it ended
 * so; with what running hosts show now (their weights, health and step) once `sluice status` read it.
 */
function hostRows(hosts: HostStatus[] | undefined): string[] {
  if (!hosts) return [];
  const live = hosts.some((host) => host.live);
  const rows = hosts.map((host) => [
    `  ${host.name}`,
    `wave ${host.wave}`,
    host.state,
    host.targetRelease ?? '-',
    ...(live ? liveColumns(host.live) : []),
    host.gate ? `at the ${gateName(host.gate.kind)}` : '',
    host.reason ?? '',
  ]);
  const heading = ['  HOST', 'WAVE', 'STATE', 'RELEASE', ...(live ? ['WEIGHTS', 'HEALTHY', 'STEP'] : []), 'GATE', 'REASON'];
  return formatTable([heading, ...rows]).split('\n');
}

function liveColumns(live: HostLive | undefined): string[] {
  if (!live) return ['', '', ''];
  const weights = Object.entries(live.weights).map(([release, percent]) => `${release} ${percent}%`);
  return [weights.join(', ') || '-', live.healthy, live.step ?? ''];
}

/** The live block for a terminal. Pure: status and clock in, lines out. */
export function renderStatusBlock(status: DeploymentStatus, now = Date.now()): string[] {
  const releases = [...new Set([...Object.keys(status.weights), ...Object.keys(status.replicas)])].sort((a, b) =>
    a === status.stableRelease ? -1 : b === status.stableRelease ? 1 : a < b ? -1 : 1,
  );
  const width = Math.max(8, ...releases.map((r) => r.length));
  const step = status.step
    ? `step ${status.step.number}/${status.step.total}${status.step.rollback ? ' (rollback)' : ''}: ${status.step.summary}`
    : '';
  const lines = [
    `deploy/${status.service}  ${status.strategy}  ${status.stableRelease ?? '(nothing)'} -> ${status.targetRelease}  ${elapsed(status.startedAt, now)}`,
    `phase ${status.phase}${status.paused ? ' (PAUSED: sluice resume ' + status.service + ')' : ''}  ${step}`,
  ];
  for (const release of releases) {
    const percent = status.weights[release] ?? 0;
    const replicas = status.replicas[release];
    const health = replicas ? `${replicas.healthy.length}/${replicas.running.length} healthy` : 'no replicas';
    lines.push(`  ${release.padEnd(width)}  ${weightBar(percent)} ${String(percent).padStart(3)}%  ${health}`);
  }
  lines.push(...hostRows(status.hosts));
  if (status.gate) {
    const answer = status.gate.promotable ? `sluice promote ${status.service}` : `sluice promote ${status.service} --full`;
    const until = status.gate.until ? ` (until ${new Date(status.gate.until).toISOString().slice(11, 19)}Z)` : '';
    lines.push(`waiting: ${status.gate.description}${until}: answer with \`${answer}\` or \`sluice abort ${status.service}\``);
  }
  if (status.outcome) lines.push(describeOutcome({ outcome: status.outcome, reason: status.reason }));
  return lines;
}

/** A finished deployment, from its result (no worker needed). Pure. */
export function renderResultBlock(result: DeployResult, run: { startTime?: Date; closeTime?: Date } = {}): string[] {
  const took = run.startTime && run.closeTime ? `  took ${elapsed(run.startTime.toISOString(), run.closeTime.getTime())}` : '';
  const lines = [
    `deploy/${result.service}  ${result.outcome}  ${result.stableRelease ?? '(nothing)'} -> ${result.targetRelease}${took}`,
    `serving ${result.serving ?? 'nothing'}`,
  ];
  if (result.reason) lines.push(`reason: ${result.reason}`);
  lines.push(...hostRows(result.hosts));
  for (const step of result.leftToDo ?? []) lines.push(`left to do: ${step}`);
  for (const failure of result.compensationFailures) lines.push(`not undone: ${failure.summary}: ${failure.message}`);
  for (const decision of result.decisions)
    lines.push(
      `${decision.kind} by ${decision.by} at ${decision.at}: ${decision.result}${decision.note ? ` (${decision.note})` : ''}${decision.reason ? `: ${decision.reason}` : ''}`,
    );
  return lines;
}

export interface ProgressView {
  update(status: DeploymentStatus): void;
  close(): void;
}

/** Redraws the block in place on a terminal, and ticks the elapsed time each second. */
export function terminalView(stream: NodeJS.WriteStream = process.stdout): ProgressView {
  let drawn = 0;
  let last: DeploymentStatus | undefined;
  const draw = () => {
    if (!last) return;
    const lines = renderStatusBlock(last);
    stream.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const ticker = setInterval(draw, 1000);
  return {
    update(status) {
      last = status;
      draw();
    },
    close() {
      clearInterval(ticker);
    },
  };
}

/** One line per change, with the time since the deployment started: for CI logs. */
export function lineView(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): ProgressView {
  let previous = '';
  return {
    update(status) {
      const line = describeStatus(status);
      if (line === previous) return;
      previous = line;
      write(`[${elapsed(status.startedAt, Date.parse(status.updatedAt)).padStart(6)}] ${line}`);
    },
    close() {},
  };
}
