// `turtle observer fly-config`: the fly.toml and Dockerfile that run the observer on one small Fly Machine,
// its store on a volume, its certificate from Fly secrets. Builders of text only; the command writes them.

export interface FlyOptions {
  app: string;
  region: string;
  /** the internal port the observer listens on */
  port: number;
  volume: string;
  /** the spec, relative to the build context (the turtle checkout) */
  spec: string;
}

export function flyToml(o: FlyOptions): string {
  return `# The turtle observer on Fly.io (written by \`turtle observer fly-config\`).
# One machine, its store on a volume; TLS is terminated by Fly's proxy in front of the internal port.
app = "${o.app}"
primary_region = "${o.region}"

[build]
  dockerfile = "Dockerfile.observer"

[env]
  TURTLE_FILE = "/app/turtle.yaml"
  TURTLE_OBSERVER_STATE = "/data/observer.db"
  TURTLE_OBSERVER_LISTEN = "0.0.0.0:${o.port}"
  NODE_OPTIONS = "--max-semi-space-size=1 --max-old-space-size=96"

[[mounts]]
  source = "${o.volume}"
  destination = "/data"

[http_service]
  internal_port = ${o.port}
  force_https = true
  auto_stop_machines = "off"
  auto_start_machines = true
  min_machines_running = 1

  [[http_service.checks]]
    grace_period = "10s"
    interval = "15s"
    timeout = "5s"
    method = "GET"
    path = "/healthz"

[[vm]]
  size = "shared-cpu-1x"
  memory = "256mb"
`;
}

export function observerDockerfile(o: FlyOptions): string {
  return `# The turtle observer image (written by \`turtle observer fly-config\`); build context: the turtle checkout.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/turtle.mjs /src/dist/turtle.mjs.map ./dist/
COPY --from=build /src/src/dashboard/static ./src/dashboard/static
COPY ${o.spec} /app/turtle.yaml
EXPOSE ${o.port}
# the observer certificate comes from Fly secrets: TURTLE_OBSERVER_CERT, TURTLE_OBSERVER_KEY, TURTLE_OBSERVER_CA
CMD ["node", "bin/turtle.js", "observer"]
`;
}

/** What the image build never needs from the checkout (written only where there is no .dockerignore yet). */
export const DOCKERIGNORE = 'node_modules\ndist\n.git\n.turtle\n*.db\n';

export function flyConfig(o: FlyOptions): { 'fly.toml': string; 'Dockerfile.observer': string; '.dockerignore': string } {
  return { 'fly.toml': flyToml(o), 'Dockerfile.observer': observerDockerfile(o), '.dockerignore': DOCKERIGNORE };
}
