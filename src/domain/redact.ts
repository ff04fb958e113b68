// What a reader that may not see values gets of a desired state: every container's env names, never its
// values, and its secrets by name and digest, never their sealed values. The agent answers read-only roles with it, and the observer stores nothing else, whoever sent it.
import type { ContainerSpec } from './types.js';

export type RedactedContainer = Omit<ContainerSpec, 'env'> & { envNames: string[] };

export function withoutEnvValues<T extends { containers: readonly ContainerSpec[] }>(state: T): Omit<T, 'containers'> & { containers: RedactedContainer[] } {
  return {
    ...state,
    containers: state.containers.map((c) => {
      const { env, secrets, ...rest } = c as ContainerSpec & { envNames?: string[] };
      // a state redacted once already keeps its names
      return {
        ...rest, envNames: env ? Object.keys(env).sort() : (rest.envNames ?? []),
        ...(secrets ? { secrets: secrets.map(({ sealed: _sealed, ...use }) => use) } : {}),
      };
    }),
  };
}
