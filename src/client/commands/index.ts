import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerAbort } from './abort';
import { registerCodecServer } from './codec-server';
import { registerDeploy } from './deploy';
import { registerDev } from './dev';
import { registerDoctor } from './doctor';
import { registerHistory } from './history';
import { registerPause, registerResume } from './pause';
import { registerPlan } from './plan';
import { registerPromote } from './promote';
import { registerRollback } from './rollback';
import { registerStatus } from './status';
import { registerValidate } from './validate';
import { registerWorker } from './worker';

/** Wraps a verb's implementation into a commander action (context, exit code, error mapping). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wrap = (fn: (context: CliContext, ...args: any[]) => Promise<number | void>) => (...args: unknown[]) => Promise<void>;

export function registerCommands(program: Command, wrap: Wrap): void {
  for (const register of [registerValidate, registerPlan, registerDeploy, registerStatus, registerPromote, registerAbort, registerPause, registerResume, registerRollback, registerHistory, registerWorker, registerDev, registerCodecServer, registerDoctor]) {
    register(program, wrap);
  }
}

/** The example block every verb's --help ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}
