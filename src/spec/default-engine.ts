// Each runtime's usual engine socket; its own file so the agent can read it without loading the spec schema.
import type { RuntimeKind } from '../domain/types.js';

export const DEFAULT_ENGINE: Record<RuntimeKind, string> = {
  docker: 'unix:///var/run/docker.sock',
  podman: 'unix:///run/podman/podman.sock',
};
