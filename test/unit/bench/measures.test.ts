import { describe, expect, it } from 'vitest';
import { peakRssMb, percentile, processMemory } from '../../../bench/measures';

describe('process memory', () => {
  it('splits resident memory into anonymous and file-backed, under the peak', () => {
    const memory = processMemory(process.pid);
    expect(memory.rssMb).toBeGreaterThan(10);
    expect(memory.anonymousMb).toBeGreaterThan(0);
    expect(memory.fileBackedMb).toBeGreaterThan(0);
    // RSS is anonymous + file-backed + shared memory (none here, give or take rounding).
    expect(Math.abs(memory.rssMb - memory.anonymousMb - memory.fileBackedMb)).toBeLessThan(5);
    expect(memory.threads).toBeGreaterThanOrEqual(1);
    expect(peakRssMb(process.pid)).toBeGreaterThanOrEqual(memory.rssMb - 0.1);
  });
});

describe('percentile', () => {
  it('takes the nearest rank of the sorted values', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
    expect(percentile([], 95)).toBe(0);
  });
});
