/** Where a deployment waits in the workflow itself: at gates (pauses, the contract gate) and through an analysis's samples. */
import { ApplicationFailure, condition, log, sleep } from '@temporalio/workflow';
import { formatDuration } from '../../shared/duration';
import { FailureType } from '../../shared/errors';
import { judgeRun, judgeSample, type SampleVerdict } from '../../planner/analysis';
import { describeGate } from '../../planner/describe';
import { GATES_A_FULL_PROMOTION_KEEPS, type GateKind, type Step, type StepPhase } from '../../domain';
import { activities, stepActivityOptions } from './activity-calls';
import { now } from './control';
import { withDeadline } from './deadlines';
import { checksTheFleet, reportToFleet, waitForTheFleet } from './fleet-report';
import type { DeploymentRun } from './run';

/** What waiting at a gate needs of a deployment: a fleet deployment waits at its own gates too. */
export type GateHolder = Pick<DeploymentRun, 'spec' | 'control' | 'metrics' | 'host'> & { patches?: DeploymentRun['patches'] };

/** Waits for a promote, or for the gate's duration if it has one; a full promotion passes every gate but those it keeps. */
export async function waitAtGate(run: GateHolder, kind: GateKind, durationMs: number | undefined, promotable: boolean): Promise<void> {
  const { control } = run;
  // A full promotion skips pauses and analyses; the contract gate needs its own promote, the fleet gate the fleet.
  const skippable = !GATES_A_FULL_PROMOTION_KEEPS.includes(kind);
  if (control.promoteFull && skippable) return;
  const gate = { kind, promotable, answered: false, number: ++control.gatesOpened };
  control.gate = gate;
  const openedAt = Date.now();
  control.record({ type: 'gateOpened', gate: kind, ...(durationMs !== undefined ? { durationMs } : {}), promotable, at: now() });
  const hostGate = { kind, number: gate.number, promotable, ...(durationMs !== undefined ? { durationMs } : {}) };
  if (run.host) await reportToFleet(run, { gate: hostGate });
  try {
    // A full promotion also releases a gate that is waiting right now (except the contract and fleet gates).
    const released = () => gate.answered || (control.promoteFull && skippable) || (kind === 'fleet' && control.fleetProceeded);
    if (durationMs === undefined && checksTheFleet(run)) await waitForTheFleet(run, released, hostGate);
    else if (durationMs === undefined) await condition(released);
    else await condition(released, durationMs, { summary: describeGate(kind, durationMs) });
  } finally {
    control.gate = undefined;
    run.metrics.gateWait.record(Date.now() - openedAt, { service: run.spec.service, gate: kind });
    control.record({ type: 'gateClosed', at: now() });
  }
  if (run.host) await reportToFleet(run, {});
}

/** Samples the release's error rate and latency until the analysis passes or fails; an inconclusive one waits for a promote. */
export async function runAnalysis(
  run: DeploymentRun,
  step: Extract<Step, { kind: 'analysis' }>,
  phase: StepPhase,
  summary: string,
): Promise<void> {
  const { analysis, release } = step;
  const verdicts: SampleVerdict[] = [];
  let since = Date.now();
  for (;;) {
    if (run.control.promoteFull) return;
    await sleep(analysis.interval, {
      summary: `analysis of ${release}: sample ${verdicts.length + 1}/${analysis.count} after ${formatDuration(analysis.interval)}`,
    });
    const sample = await withDeadline(run, phase, summary, () =>
      activities.measureRelease.executeWithOptions(stepActivityOptions(run, step, phase, `measure ${release}`), [
        { service: run.spec.service, release, sinceMs: since },
      ]),
    );
    since = Date.now();
    verdicts.push(judgeSample(analysis, sample));
    log.info(`analysis sample ${verdicts.length}/${analysis.count}: ${verdicts[verdicts.length - 1]!.verdict}`, { sample });
    const verdict = judgeRun(analysis, verdicts);
    if (verdict === 'failed') {
      const reasons = verdicts.filter((v) => v.verdict === 'fail').map((v) => v.reason);
      throw ApplicationFailure.create({
        type: FailureType.analysisFailed,
        nonRetryable: true,
        message: `analysis of ${release} failed: ${reasons.join('; ')}`,
      });
    }
    if (verdict === 'passed') return;
    if (verdict === 'inconclusive') return waitAtGate(run, 'inconclusiveAnalysis', undefined, true);
  }
}
