/**
 * The host registry: one long-lived workflow per fleet (hostRegistryWorkflowId of the shared task
 * queue) that every host's worker signals, starting it if need be, when the worker starts. It remembers each host by
 * name, the last introduction winning, with the release each fleet deployment left serving on it,
 * and answers `sluice hosts`. Whether a worker polls a host
 * now is Temporal's to say (its task queue's pollers), not the registry's.
 */
import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { KnownHost } from '../domain';
import { hostSeenSignal, hostsQuery, hostsServingSignal } from '../shared/messages';

/** Well under Temporal's history limits: the registry starts afresh, carrying its hosts, after this many events. */
const MAX_HISTORY_EVENTS = 2_000;

export async function hostRegistry(input: { hosts?: KnownHost[] } = {}): Promise<void> {
  const hosts = new Map((input.hosts ?? []).map((host) => [host.name, host]));
  setHandler(hostSeenSignal, (host) => {
    hosts.set(host.name, host);
  });
  setHandler(hostsServingSignal, ({ service, serving }) => {
    for (const [name, release] of Object.entries(serving)) {
      const host = hosts.get(name);
      if (host) hosts.set(name, { ...host, releases: { ...host.releases, [service]: release } });
    }
  });
  setHandler(hostsQuery, () => [...hosts.values()].sort((a, b) => a.name.localeCompare(b.name)));
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS);
  await continueAsNew<typeof hostRegistry>({ hosts: [...hosts.values()] });
}
