/** Every verb of the sluice CLI, in the order its help lists them. */
export const VERBS = [
  'validate',
  'plan',
  'deploy',
  'status',
  'promote',
  'abort',
  'pause',
  'resume',
  'rollback',
  'history',
  'worker',
  'dev',
  'codec-server',
  'doctor',
];
