/**
 * A fleet deployment: the spec names hosts, and each host runs the spec's strategy against its
 * own Docker Engine and nginx in a deployment of its own (deployHost, a child workflow). Rolling
 * and recreate take the hosts in waves; canary and blue-green take them all at once, in lockstep,
 * one promote answering the gate every host waits at. A host that is ready waits at the fleet
 * gate, its old release stopped but kept; only when every host is ready does the fleet let them
 * clean up. A failure or an abort before that rolls every host back, the last wave first.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostStatus, Outcome } from '../../domain';
import { FailureType, notReleasedFailureType } from '../../shared/errors';
import { formatDuration } from '../../shared/duration';
import {
  abortSignal,
  fleetProceedSignal,
  fleetPromoteSignal,
  hostReportSignal,
  hostsServingSignal,
  pauseSignal,
  type Actor,
  type DeployInput,
  type DeployResult,
} from '../../shared/messages';
import { hostRegistryWorkflowId } from '../../shared/names';
import { PlanError } from '../../planner/errors';
import { hostDocument, planFleet, type FleetPlan } from '../../planner/fleet';
import type { DeploymentSpec } from '../../planner/spec';
import { messageOf } from '../failures';
import { waitAtGate, type GateHolder } from '../deploy/gates';
import { now, type DeploymentControl } from '../deploy/control';
import type { DeploymentMetrics } from '../deploy/run';
import { hostsToTakeFirst, type HostFirst } from './attention';
import { FleetHosts, type FleetHost } from './hosts';
import { FleetMigrations } from './migrations';
import { lastActor, relayToHosts } from './relay';

export async function deployFleet(
  input: DeployInput,
  spec: DeploymentSpec,
  control: DeploymentControl,
  metrics: DeploymentMetrics,
): Promise<DeployResult> {
  const plan = await takeFirstThoseInNeed(spec, fleetPlanOrFail(spec, control));
  const notes = plan.first.map(({ host, reason }) => `${host} taken first: ${reason}`);
  const hosts: FleetHosts = new FleetHosts(spec, plan.waves, () => recordHosts(spec, hosts, control, notes));
  setHandler(hostReportSignal, (report) => hosts.report(report));
  upsertMemo({
    image: spec.image,
    replicas: spec.replicas,
    strategy: spec.strategy.type,
    hosts: spec.hosts!,
    requestedBy: input.requestedBy,
  });
  recordHosts(spec, hosts, control, notes);

  const { workflowId, runId, taskQueue } = workflowInfo();
  const migrations = spec.migrations
    ? new FleetMigrations({ spec, control, taskQueue, deploymentId: `${workflowId}/${runId}` }, hosts)
    : undefined;
  const relaying = relayToHosts(hosts, control);
  const failure = await runWaves(spec, plan, hosts, control, input, metrics, migrations);
  const outcome =
    failure === undefined ? await cleanUp(hosts, control, migrations) : await rollBackHosts(plan, hosts, control, failure, migrations);
  relaying.stop();
  if (patched('fleet-records-serving')) await recordServing(spec, hosts);
  return finishFleet(spec, hosts, control, metrics, outcome);
}

/** Tells the host registry (`sluice hosts`) what each host it ended on serves now; a fleet without a registry goes on. */
async function recordServing(spec: DeploymentSpec, hosts: FleetHosts): Promise<void> {
  const serving = Object.fromEntries(
    hosts.all().flatMap((host) => {
      const result = host.ending && 'result' in host.ending ? host.ending.result : undefined;
      const release = result?.serving ?? (result?.outcome === 'released' ? result.targetRelease : result?.stableRelease);
      return release ? [[host.status.name, release]] : [];
    }),
  );
  try {
    await getExternalWorkflowHandle(hostRegistryWorkflowId(workflowInfo().taskQueue)).signal(hostsServingSignal, {
      service: spec.service,
      serving,
    });
  } catch (error) {
    log.warn(`could not tell the host registry what serves: ${messageOf(error)}`);
  }
}

/** Waves take the hosts that need attention first (found by observing each host); lockstep takes every host at once anyway. */
async function takeFirstThoseInNeed(spec: DeploymentSpec, plan: FleetPlan): Promise<FleetPlan & { first: HostFirst[] }> {
  if (plan.lockstep || plan.waves.length < 2 || !patched('fleet-hosts-in-need-first')) return { ...plan, first: [] };
  const first = await hostsToTakeFirst(spec, plan.hostLostAfterMs);
  return {
    ...planFleet(
      spec,
      first.map(({ host }) => host),
    ),
    first,
  };
}

/** The fleet's plan; settings no fleet could meet fail the workflow before any host is touched. */
function fleetPlanOrFail(spec: DeploymentSpec, control: DeploymentControl): FleetPlan {
  try {
    return planFleet(spec);
  } catch (error) {
    control.finished = true;
    if (!(error instanceof PlanError)) throw error;
    throw ApplicationFailure.create({
      type: FailureType.planRejected,
      nonRetryable: true,
      message: error.message,
      details: [{ field: error.field }],
    });
  }
}

/**
 * Starts the hosts wave by wave (after the fleet's expand migrations); a wave is done when each of
 * its hosts is ready at the fleet gate; then the contract gate, if the migrations have one.
 * Returns why the fleet stopped (a host that did not get ready, a lost host, an abort), or undefined.
 */
async function runWaves(
  spec: DeploymentSpec,
  plan: FleetPlan,
  hosts: FleetHosts,
  control: DeploymentControl,
  input: DeployInput,
  metrics: DeploymentMetrics,
  migrations: FleetMigrations | undefined,
): Promise<string | undefined> {
  const holder: GateHolder = { spec, control, metrics };
  try {
    await control.forward.run(async () => {
      await migrations?.expand();
      for (const [index, wave] of plan.waves.entries()) {
        if (control.paused) await condition(() => !control.paused);
        const summary = `wave ${index + 1}/${plan.waves.length}: deploy ${wave.join(', ')}`;
        control.record({
          type: 'stepStarted',
          number: index + 1,
          total: plan.waves.length,
          summary,
          phase: 'shifting',
          rollback: false,
          at: now(),
        });
        await startHosts(wave, hosts, control, input);
        await settleWave(wave, plan, hosts, control, input, holder);
        if (index < plan.waves.length - 1) await pauseBetweenWaves(plan, holder);
      }
      await migrations?.contractGate(holder);
    });
    return undefined;
  } catch (error) {
    const stopper = control.stoppedBy();
    return stopper ? `aborted by ${stopper.by}${stopper.reason ? `: ${stopper.reason}` : ''}` : messageOf(error);
  }
}

async function startHosts(names: string[], hosts: FleetHosts, control: DeploymentControl, input: DeployInput): Promise<void> {
  for (const name of names) {
    // An abort accepted while the wave's hosts start: no further host starts.
    if (control.stoppedBy()) throw ApplicationFailure.create({ message: 'the fleet deployment was stopped' });
    await hosts.start(name, input.requestedBy, hostDocument(input.spec));
    await catchUp(hosts, hosts.byName.get(name)!, control);
  }
}

/**
 * Waits until every host of the wave is ready (a lost host excepted, with onHostLost: continue).
 * A host that ended short fails the fleet, or (onFailure: pause) holds it, once the rest of the wave
 * has settled, until `sluice promote` starts the failed hosts again.
 */
async function settleWave(
  wave: string[],
  plan: FleetPlan,
  hosts: FleetHosts,
  control: DeploymentControl,
  input: DeployInput,
  holder: GateHolder,
): Promise<void> {
  const inWave = wave.map((name) => hosts.byName.get(name)!);
  const ready = (host: FleetHost) => host.status.state === 'ready' || (host.lost === true && !host.rollingBack);
  for (;;) {
    let lost = hosts.lost().length;
    await condition(() => inWave.every(ready) || hosts.all().some(failing) || hosts.lost().length !== lost);
    lost = hosts.lost().length;
    if (lost > 0) await goOnWithoutLost(plan, hosts);
    const failed = hosts.all().filter(failing);
    if (failed.length === 0) {
      if (inWave.every(ready)) return;
      continue;
    }
    if (plan.onFailure !== 'pause') throw ApplicationFailure.create({ message: endedShort(failed[0]!) });
    // Every other host of the wave ready, lost or ended too: the fleet holds with nothing moving.
    await condition(() => inWave.every((host) => ready(host) || host.ending !== undefined));
    if (hosts.lost().length > 0) await goOnWithoutLost(plan, hosts);
    log.warn(`fleet held after ${hosts.all().filter(failing).map(endedShort).join('; ')}`);
    await waitAtGate(holder, 'hostFailed', undefined, true);
    await startHosts(
      hosts
        .all()
        .filter(stoppedShort)
        .map((host) => host.status.name),
      hosts,
      control,
      input,
    );
  }
}

/**
 * A lost host rolls the fleet back (onHostLost: rollback), or the fleet goes on without it while
 * enough hosts are left. Going on, each lost host is promoted in full, once: should its worker come
 * back, it catches up with the others (at the fleet gate) instead of waiting at a gate they passed.
 */
async function goOnWithoutLost(plan: FleetPlan, hosts: FleetHosts): Promise<void> {
  const lost = hosts.lost();
  const names = lost.map((host) => host.status.name).join(', ');
  const why =
    lost.length === 1
      ? `${names} lost: ${lost[0]!.status.reason}`
      : `${names} lost: their workers took none of their work for ${formatDuration(plan.hostLostAfterMs)}`;
  if (plan.onHostLost === 'rollback') throw ApplicationFailure.create({ message: why });
  const left = hosts.all().length - lost.length;
  const needed = Math.max(1, plan.minHealthyHosts);
  if (left < needed)
    throw ApplicationFailure.create({ message: `${why}; ${left} host${left === 1 ? '' : 's'} left, fewer than minHealthyHosts ${needed}` });
  for (const host of lost.filter((h) => !h.promotedInFull)) {
    host.promotedInFull = true;
    await hosts.signal(host, (handle) => handle.signal(fleetPromoteSignal, CATCH_UP));
  }
}

const CATCH_UP = { by: 'sluice', reason: 'the host was lost: once its worker is back, it catches up with the fleet', full: true };

/** Between two waves: a wait, or a gate for `sluice promote`. */
async function pauseBetweenWaves(plan: FleetPlan, holder: GateHolder): Promise<void> {
  const pause = plan.pauseBetweenWaves;
  if (pause === 'promote') await waitAtGate(holder, 'betweenWaves', undefined, true);
  else if (pause > 0) await sleep(pause, { summary: `pause between waves: ${formatDuration(pause)}` });
}

function endedShort(host: FleetHost): string {
  const { name, state, reason } = host.status;
  return `${name} ${ENDED_SHORT[state] ?? state}${reason ? `: ${reason}` : ''}`;
}

const ENDED_SHORT: Partial<Record<HostStatus['state'], string>> = {
  rolledBack: 'rolled back',
  aborted: 'was aborted',
  failed: 'failed',
  refused: 'was refused',
};

/** A host started after a full promotion or a pause was relayed hears of it too. */
async function catchUp(hosts: FleetHosts, host: FleetHost, control: DeploymentControl): Promise<void> {
  if (control.promoteFull)
    await hosts.signal(host, (handle) => handle.signal(fleetPromoteSignal, { ...(control.lastPromote ?? { by: 'sluice' }), full: true }));
  if (control.paused) await hosts.signal(host, (handle) => handle.signal(pauseSignal, lastActor(control, 'pause')));
}

/** A host whose deployment ended before it got ready: the fleet cannot go on. */
function stoppedShort(host: FleetHost): boolean {
  return host.ending !== undefined && host.status.state !== 'released';
}

/** A host that stopped short, or that was rolling itself back when it was lost (it will never be ready). */
function failing(host: FleetHost): boolean {
  return stoppedShort(host) || (host.lost === true && host.rollingBack === true);
}

/**
 * Every host is ready: the fleet's contract migrations run, then each host may clean up (remove its
 * old release), which nothing undoes. A lost host is told too: it finishes once its worker is back,
 * and the fleet does not wait for it.
 */
async function cleanUp(
  hosts: FleetHosts,
  control: DeploymentControl,
  migrations: FleetMigrations | undefined,
): Promise<{ outcome: Outcome; reason?: string }> {
  control.pastPointOfNoReturn = true;
  // Past the point of no return a failed contract undoes nothing: the hosts clean up all the same.
  const contract = await CancellationScope.nonCancellable(async () => migrations?.contract());
  control.record({
    type: 'stepStarted',
    number: 1,
    total: 1,
    summary: 'every host ready: clean up on each',
    phase: 'cleaningUp',
    rollback: false,
    at: now(),
  });
  await CancellationScope.nonCancellable(async () => {
    for (const host of [...hosts.running(), ...hosts.lost()]) await hosts.signal(host, (handle) => handle.signal(fleetProceedSignal));
    await condition(() => hosts.all().every((host) => host.ending !== undefined || host.lost));
  });
  const lost = lostNote(hosts, 'releases');
  const failed = hosts.all().filter((host) => host.ending && host.status.state !== 'released');
  const cleanUpFailed = failed.length
    ? `every host was ready, but the clean-up failed on ${failed.map((host) => `${host.status.name} (${host.status.reason ?? host.status.state})`).join('; ')}`
    : undefined;
  const reason = [contract?.failed ? contract.note : undefined, cleanUpFailed, lost, contract?.failed ? undefined : contract?.note]
    .filter(Boolean)
    .join('; ');
  const outcome: Outcome = cleanUpFailed || contract?.failed ? 'failed' : 'released';
  return { outcome, ...(reason ? { reason } : {}) };
}

/** What the fleet leaves to its lost hosts, which go its way once their worker is back. */
function lostNote(hosts: FleetHosts, what: 'releases' | 'rolls back'): string | undefined {
  const lost = hosts.lost().map((host) => host.status.name);
  if (lost.length === 0) return undefined;
  return `${lost.join(', ')} lost: ${lost.length === 1 ? 'it' : 'each'} ${what} once its worker is back`;
}

/**
 * Rolls back every host the fleet started, the last wave first, each wave's hosts together; out of
 * reach of cancellation. A lost host is told too, and rolls back once its worker is back: the fleet
 * does not wait for it.
 */
async function rollBackHosts(
  plan: FleetPlan,
  hosts: FleetHosts,
  control: DeploymentControl,
  reason: string,
  migrations: FleetMigrations | undefined,
): Promise<{ outcome: Outcome; reason: string }> {
  const aborted = control.stoppedBy();
  control.beginRollback(reason);
  const actor: Actor = { by: aborted?.by ?? 'sluice', reason: `the fleet deployment is rolling back: ${reason}` };
  // A wave's hosts are told at once (one workflow task): the last host no longer waits for the others' signals.
  const atOnce = patched('fleet-rollback-signals-at-once');
  await CancellationScope.nonCancellable(async () => {
    for (const wave of [...plan.waves].reverse()) {
      const started = wave.map((name) => hosts.byName.get(name)!).filter((host) => host.handle);
      const tell = (host: FleetHost) => {
        hosts.rollingBack(host);
        return hosts.signal(host, (handle) => handle.signal(abortSignal, actor));
      };
      if (atOnce) await Promise.all(started.filter((host) => !host.ending).map(tell));
      else
        for (const host of started) {
          // Ended meanwhile (while the host before was signalled): nothing to tell it.
          if (host.ending) continue;
          await tell(host);
        }
      await condition(() => started.every((host) => host.ending !== undefined || host.lost));
    }
  });
  // A host refused before it touched anything has nothing to roll back.
  const incomplete = hosts.all().filter((host) => host.ending && !['rolledBack', 'aborted', 'refused'].includes(host.status.state));
  const left = incomplete.map((host) => `${host.status.name}: ${host.status.reason ?? host.status.state}`);
  // The schema last, once no host runs the new release.
  const expand = await CancellationScope.nonCancellable(async () => migrations?.undoExpand(left.length > 0));
  const outcome: Outcome = incomplete.length > 0 || expand?.incomplete ? 'failed' : aborted ? 'aborted' : 'rolledBack';
  const lost = lostNote(hosts, 'rolls back');
  return {
    outcome,
    reason: [reason, ...(left.length ? [`the rollback did not finish on ${left.join('; ')}`] : []), lost, expand?.note]
      .filter(Boolean)
      .join('; '),
  };
}

function finishFleet(
  spec: DeploymentSpec,
  hosts: FleetHosts,
  control: DeploymentControl,
  metrics: DeploymentMetrics,
  { outcome, reason }: { outcome: Outcome; reason?: string },
): DeployResult {
  control.finished = true;
  recordHosts(spec, hosts, control, [], outcome); // the notes stand as recorded
  control.record({ type: 'finished', outcome, ...(reason ? { reason } : {}), at: now() });
  metrics.finished.add(1, { service: spec.service, strategy: spec.strategy.type, outcome });
  const { status } = control;
  const results = hosts.all().flatMap((host) => (host.ending && 'result' in host.ending ? [{ host, result: host.ending.result }] : []));
  const result: DeployResult = {
    outcome,
    ...(reason ? { reason } : {}),
    service: spec.service,
    targetRelease: status.targetRelease,
    ...(results[0]?.result.stableRelease ? { stableRelease: results[0].result.stableRelease } : {}),
    ...(status.serving ? { serving: status.serving } : {}),
    timeline: status.timeline,
    decisions: status.decisions,
    compensationFailures: results.flatMap(({ host, result }) =>
      result.compensationFailures.map((failure) => ({ ...failure, summary: `${host.status.name}: ${failure.summary}` })),
    ),
    hosts: hosts.statuses(),
  };
  if (outcome !== 'released') {
    throw ApplicationFailure.create({
      type: notReleasedFailureType(outcome),
      nonRetryable: true,
      message: `${spec.service} ${outcome}${reason ? `: ${reason}` : ''}`,
      details: [result],
    });
  }
  log.info(`fleet deployment of ${spec.service} released on ${spec.hosts!.join(', ')}`);
  return result;
}

/** The hosts' states into the fleet's status, with the release they deploy (and, once it ended, what serves). */
function recordHosts(spec: DeploymentSpec, hosts: FleetHosts, control: DeploymentControl, notes: string[], outcome?: Outcome): void {
  control.record({
    type: 'fleet',
    hosts: hosts.statuses(),
    image: spec.image,
    strategy: spec.strategy.type,
    ...(notes.length ? { notes } : {}),
    ...releaseOf(hosts, outcome),
    at: now(),
  });
}

/** The release the hosts deploy (the same on every host: it is computed from the spec), and what serves once they finished. */
function releaseOf(hosts: FleetHosts, outcome?: Outcome): { targetRelease?: string; serving?: string } {
  const targetRelease = hosts.statuses().find((host) => host.targetRelease)?.targetRelease;
  if (!targetRelease) return {};
  return { targetRelease, ...(outcome === 'released' ? { serving: targetRelease } : {}) };
}
