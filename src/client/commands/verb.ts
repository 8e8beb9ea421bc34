/** What every verb's module shares: how its action is wrapped, and its --help examples. */
import type { CliContext } from '../context';

/** Wraps a verb's implementation into a commander action (context, exit code, error mapping). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wrap = (fn: (context: CliContext, ...args: any[]) => Promise<number | void>) => (...args: unknown[]) => Promise<void>;

/** The example block every verb's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}
