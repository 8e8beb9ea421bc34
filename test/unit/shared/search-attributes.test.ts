import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_NAMES } from '../../../src/shared/names';
import { searchAttributeKeys, searchAttributeUpdates } from '../../../src/shared/search-attributes';

describe('search attributes', () => {
  it('every key is a keyword under the name registered with the namespace', () => {
    for (const [field, key] of Object.entries(searchAttributeKeys)) {
      expect(key.name).toBe(SEARCH_ATTRIBUTE_NAMES[field as keyof typeof SEARCH_ATTRIBUTE_NAMES]);
      expect(key.type).toBe('KEYWORD');
    }
  });

  it('updates carry only the values given, each under its key', () => {
    expect(searchAttributeUpdates({ service: 'web', phase: 'shifting' })).toEqual([
      { key: searchAttributeKeys.service, value: 'web' },
      { key: searchAttributeKeys.phase, value: 'shifting' },
    ]);
  });
});
