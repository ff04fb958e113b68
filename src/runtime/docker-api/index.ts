// The Docker Engine API adapter (Docker and Podman): the only place turtle talks to dockerode.
export { DockerApiRuntime } from './runtime.js';
export type { CallCounts } from './_connection.js';
export { createBody } from './_create-body.js';
export { parseEndpoint } from './_endpoint.js';
