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
  /** give the app a service on Fly's proxy (TCP passed through: the observer still asks every client for a certificate) */
  public?: boolean;
}

export function flyToml(o: FlyOptions): string {
  return `# The turtle observer on Fly.io (written by \`turtle observer fly-config${o.public ? ' --public' : ''}\`).
# One machine, its store on a volume. The observer serves HTTPS itself, with mutual TLS: every page but
# /healthz needs a certificate from turtle's CA (operator or observer role).
app = "${o.app}"
primary_region = "${o.region}"

[build]
  dockerfile = "Dockerfile.observer"

[env]
  TURTLE_FILE = "/app/turtle.yaml"
  TURTLE_OBSERVER_STATE = "/data/observer.db"
  TURTLE_OBSERVER_LISTEN = "[::]:${o.port}"
  NODE_OPTIONS = "--max-semi-space-size=1 --max-old-space-size=96"

[[mounts]]
  source = "${o.volume}"
  destination = "/data"
${o.public ? publicService(o) : privateNote(o)}
# The machine's own health check: /healthz needs no client certificate.
[checks.healthz]
  type = "http"
  port = ${o.port}
  path = "/healthz"
  protocol = "https"
  tls_skip_verify = true
  grace_period = "10s"
  interval = "15s"
  timeout = "5s"

[[vm]]
  size = "shared-cpu-1x"
  memory = "256mb"
`;
}

/** Private (the default): no service on Fly's public proxy; reached through the organisation's network. */
function privateNote(o: FlyOptions): string {
  return `
# Private: no service on Fly's proxy, so no public address reaches the observer. Reach it with
#   fly proxy ${o.port}:${o.port} -a ${o.app}      then https://localhost:${o.port}/
# or over the organisation's WireGuard network at ${o.app}.internal:${o.port}. To serve it on the internet
# (still behind mutual TLS), write this file again with \`turtle observer fly-config --public\`.
`;
}

/** --public: a TCP service on 443, passed through untouched, so TLS (and the client certificate) ends at the observer. */
function publicService(o: FlyOptions): string {
  return `
# Public, on purpose (--public): TCP on 443 passed through to the observer, which terminates TLS and asks
# every client for a certificate. Give the certificate the app's name: --host ${o.app}.fly.dev
[[services]]
  internal_port = ${o.port}
  protocol = "tcp"
  auto_stop_machines = "off"
  auto_start_machines = true
  min_machines_running = 1

  [[services.ports]]
    port = 443
    handlers = []
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
# the observer certificate comes from Fly secrets: TURTLE_OBSERVER_CERT, TURTLE_OBSERVER_KEY, TURTLE_OBSERVER_CA\n# (and TURTLE_OBSERVER_CRL); it also serves the dashboard, so it names the hosts browsers use
CMD ["node", "bin/turtle.js", "observer"]
`;
}

/** What the image build never needs from the checkout (written only where there is no .dockerignore yet). */
export const DOCKERIGNORE = 'node_modules\ndist\n.git\n.turtle\n*.db\n';

export function flyConfig(o: FlyOptions): { 'fly.toml': string; 'Dockerfile.observer': string; '.dockerignore': string } {
  return { 'fly.toml': flyToml(o), 'Dockerfile.observer': observerDockerfile(o), '.dockerignore': DOCKERIGNORE };
}
