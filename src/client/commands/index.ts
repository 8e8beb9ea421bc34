import type { Command } from 'commander';
import { registerAbort } from './abort';
import { registerCodecServer } from './codec-server';
import { registerDeploy } from './deploy';
import { registerDev } from './dev';
import { registerDoctor } from './doctor';
import { registerHistory } from './history';
import { registerHosts } from './hosts';
import { registerPause, registerResume } from './pause';
import { registerPlan } from './plan';
import { registerPromote } from './promote';
import { registerRollback } from './rollback';
import { registerStatus } from './status';
import { registerValidate } from './validate';
import type { Wrap } from './verb';
import { registerWorker } from './worker';

export function registerCommands(program: Command, wrap: Wrap): void {
  for (const register of [
    registerValidate,
    registerPlan,
    registerDeploy,
    registerStatus,
    registerPromote,
    registerAbort,
    registerPause,
    registerResume,
    registerRollback,
    registerHistory,
    registerHosts,
    registerWorker,
    registerDev,
    registerCodecServer,
    registerDoctor,
  ]) {
    register(program, wrap);
  }
}
