// Runs steps concurrently (at most `limit` at a time) while keeping the plan's order where it matters:
// removals, stops, limit changes and new networks finish before anything is launched (they free ports and
// memory, and make what launches join), a service is launched only after the services it depends on, and
// networks are removed last, once nothing is on them.
import type { Step } from '../domain/steps.js';

const isLaunch = (s: Step) => s.kind === 'create' || s.kind === 'replace' || s.kind === 'start' || s.kind === 'connect';

const isLast = (s: Step) => s.kind === 'remove-network';

/** For each step, the indexes of the steps that must finish first (a network is removed after everything else). */
export function prerequisites(steps: readonly Step[]): number[][] {
  const before = steps.flatMap((s, i) => (isLaunch(s) || isLast(s) ? [] : [i]));
  const others = steps.flatMap((s, i) => (isLast(s) ? [] : [i]));
  const launchesOf = new Map<string, number[]>();
  steps.forEach((s, i) => {
    if (!isLaunch(s) || !('spec' in s)) return;
    launchesOf.set(s.spec.service, [...(launchesOf.get(s.spec.service) ?? []), i]);
  });
  return steps.map((s) => {
    if (isLast(s)) return others;
    if (!isLaunch(s) || !('spec' in s)) return [];
    const deps = Object.keys(s.spec.dependsOn).flatMap((d) => launchesOf.get(d) ?? []);
    return [...before, ...deps];
  });
}

/**
 * Runs `run` for every step, `limit` at a time, each after its prerequisites. After the first failure no
 * new step starts; those never started are reported as skipped (`undefined` in the result).
 */
export async function schedule<R>(
  steps: readonly Step[],
  limit: number,
  run: (step: Step, index: number) => Promise<R>,
  failed: (result: R) => boolean,
): Promise<(R | undefined)[]> {
  const needs = prerequisites(steps);
  const results: (R | undefined)[] = steps.map(() => undefined);
  const done = new Set<number>();
  const started = new Set<number>();
  let stop = false;
  return new Promise((resolve) => {
    let running = 0;
    const pump = () => {
      for (let i = 0; i < steps.length && !stop && running < limit; i++) {
        if (started.has(i) || !(needs[i] ?? []).every((n) => done.has(n))) continue;
        started.add(i);
        running++;
        void run(steps[i] as Step, i).then((r) => {
          results[i] = r;
          done.add(i);
          running--;
          if (failed(r)) stop = true;
          pump();
        });
      }
      if (running === 0) resolve(results);
    };
    pump();
  });
}
