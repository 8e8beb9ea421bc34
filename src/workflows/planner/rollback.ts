/**
 * The compensation plan for the steps a deployment has begun: each step's undo,
 * last step first. Consecutive route restores collapse into the oldest one,
 * because only the final routing state matters and each extra change costs
 * time before traffic is back on the stable release.
 *
 * Capacity comes before traffic by construction: a stable replica stopped
 * after a route change is restarted (and awaited healthy) before that route
 * change is undone.
 */
import type { PlannedStep, Step } from './types';

export function rollbackSteps(begun: PlannedStep[]): Step[] {
  const undo = [...begun].reverse().flatMap((planned) => planned.undo);
  return undo.reduce<Step[]>((steps, step) => {
    const last = steps[steps.length - 1];
    if (step.kind === 'route' && last?.kind === 'route') return [...steps.slice(0, -1), step];
    return [...steps, step];
  }, []);
}
