import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEPT_SECTIONS_MARKER, withKeptSections } from '../../../bench/report';

describe('regenerating docs/benchmarks.md', () => {
  it('keeps the hand-measured sections after the marker, and only them', () => {
    const previous = `# Benchmarks\n\nold scenario table\n\n${KEPT_SECTIONS_MARKER}\n\n## Takeover\n\n9.9 s\n`;
    const page = withKeptSections('# Benchmarks\n\nnew scenario table\n', previous);
    expect(page).toBe(`# Benchmarks\n\nnew scenario table\n\n${KEPT_SECTIONS_MARKER}\n\n## Takeover\n\n9.9 s\n`);
  });

  it('is the report alone when there is no page or no marker', () => {
    expect(withKeptSections('report\n', undefined)).toBe('report\n');
    expect(withKeptSections('report\n', 'an old page without the marker')).toBe('report\n');
  });

  it('the page in docs/ carries the marker before its hand-measured sections', () => {
    const page = fs.readFileSync(path.resolve(__dirname, '../../../docs/benchmarks.md'), 'utf8');
    expect(page.indexOf(KEPT_SECTIONS_MARKER)).toBeGreaterThan(0);
    expect(page.indexOf(KEPT_SECTIONS_MARKER)).toBeLessThan(page.indexOf('## Takeover after a worker is killed'));
    expect(page.indexOf(KEPT_SECTIONS_MARKER)).toBeLessThan(page.indexOf('## Workflow bundle and idle worker memory'));
  });
});
