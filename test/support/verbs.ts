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
  'hosts',
  'worker',
  'dev',
  'codec-server',
  'doctor',
];
