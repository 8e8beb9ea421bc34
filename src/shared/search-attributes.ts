/** Typed search attributes the workflow upserts, so the Web UI and `sluice history` can filter deployments. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_NAMES } from './names';

export const searchAttributeKeys = {
  service: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.service, SearchAttributeType.KEYWORD),
  release: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.release, SearchAttributeType.KEYWORD),
  strategy: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.strategy, SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.phase, SearchAttributeType.KEYWORD),
};

/** Keyword pairs: usable both when starting a workflow and when upserting from inside it. */
export function searchAttributeUpdates(
  values: Partial<Record<keyof typeof searchAttributeKeys, string>>,
): Array<{ key: ReturnType<typeof defineSearchAttributeKey<'KEYWORD'>>; value: string }> {
  return Object.entries(values).map(([name, value]) => ({ key: searchAttributeKeys[name as keyof typeof searchAttributeKeys], value }));
}
