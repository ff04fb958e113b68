// What every operation of the adapter needs: the counted client and where it points, for messages.
import type Dockerode from 'dockerode';
import type { RuntimeKind } from '../../domain/types.js';
import { engineError } from './_errors.js';

export interface EngineContext {
  readonly docker: Dockerode;
  readonly kind: RuntimeKind;
  readonly endpoint: string;
}

/** Runs one engine operation, turning any failure into a TurtleError that says what turtle was doing. */
export async function attempt<T>(ctx: EngineContext, doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw engineError(ctx.kind, ctx.endpoint, doing, err);
  }
}
