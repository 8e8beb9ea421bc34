/**
 * Durations as people write them in specs and flags: "500ms", "30s", "5m",
 * "1h", or compounds like "1m30s". Pure, so the workflow can use it.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h))+$/;

export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new Error(`"${text}" is not a duration: write it like "500ms", "30s", "5m", "1h" or "1m30s"`);
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return total;
}

/** The shortest exact rendering: 90000 -> "1m30s", 1500 -> "1s500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let text = '';
  for (const [unit, size] of [
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
    ['ms', UNIT_MS.ms],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text;
}
