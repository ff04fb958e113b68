// The runtime layer's public names: the ContainerRuntime interface and the factory that picks an adapter.
import type { RuntimeKind } from '../domain/types.js';
import { DockerApiRuntime } from './docker-api/index.js';

export type { ContainerRuntime, ContainerStats, EngineEvent, EngineInfo, ExecsCommands, ImageProgress, LogLine, LogOptions, PausesContainers, WatchesEvents } from './types.js';
export { execsCommands, pausesContainers, watchesEvents } from './types.js';
export { DockerApiRuntime, type CallCounts } from './docker-api/index.js';

export interface RuntimeTarget {
  kind: RuntimeKind;
  /** `unix:///run/docker.sock`, `tcp://host:2375`, `http://host:2375` */
  endpoint: string;
}

/** Docker and Podman both speak the Docker Engine API, so one adapter serves both; `kind` picks the quirks. */
export function createRuntime(target: RuntimeTarget): DockerApiRuntime {
  return new DockerApiRuntime(target.kind, target.endpoint);
}
