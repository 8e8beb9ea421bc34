import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/client/spec-file';
import { readSpec } from '../../src/client/spec-input';

/** The specs the docs point people at must stay valid. */
const dir = path.resolve(__dirname, '../../examples/specs');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('example specs', () => {
  it('cover every strategy', () => {
    const types = files.map((f) => {
      const result = loadSpecFile(path.join(dir, f));
      return result.ok ? result.spec.strategy.type : 'invalid';
    });
    expect(new Set(types)).toEqual(new Set(['rolling', 'blueGreen', 'canary', 'recreate']));
  });

  it.each(files)('%s is valid, as `sluice validate` checks it', (file) => {
    const result = loadSpecFile(path.join(dir, file));
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(() => readSpec(path.join(dir, file))).not.toThrow();
  });
});
