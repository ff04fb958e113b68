// The hand-written parts of the reference: value forms and the rules across fields.
export const REFERENCE_PROSE = {
  intro: `# turtle.yaml reference

<!-- Generated from the schema in src/spec by \`npx tsx scripts/gen-spec-doc.ts\`. Do not edit by hand. -->

One file describes the project: the **sites** it runs on, the **services** it runs, and per-site
**overlays**. Field names and meanings follow Docker Compose where the two overlap, so a Compose file's
services mostly carry over.

\`\`\`yaml
version: 1
project: shop
sites:
  dc1: { capacity: { cpus: 4, memory: 4g } }
  dc2: { runtime: podman, capacity: { cpus: 2, memory: 2g }, budget: { cpu: 25, memory: 25 } }
services:
  web:
    image: nginx:1.25
    ports: ["8080:80"]
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"], interval: 5s }
    resources: { cpus: 0.2, memory: 128m }
overlays:
  dc2:
    services:
      web: { resources: { memory: 64m } }
\`\`\``,
  rest: `## Overlays

\`overlays.<site>.services.<service>\` holds service fields that apply on that site only. They are merged
over the service: maps key by key (so \`environment: { A: "2" }\` changes only \`A\`; an \`environment\` or
\`labels\` list is read as a map for this), while lists and single values replace. \`sites\` cannot be set
in an overlay. Every site's merged result is validated like the service itself.

## Value forms

- **Sizes** (Compose forms): \`512k\`, \`256m\`, \`1g\`, \`1024b\`, \`1.5g\` (binary units: 1k = 1024 bytes); a plain
  number is bytes.
- **Durations** (Compose forms): \`500ms\`, \`10s\`, \`1m30s\`, \`1h\` (units \`h m s ms us ns\`). A plain number is
  refused: its unit would be a guess.
- **Numbers and booleans** may also be written as strings (\`"0.5"\`, \`"true"\`), which is what
  interpolation produces.
- **Interpolation** (Compose rules) in every string value, from the environment turtle runs in:
  \`\${VAR}\` and \`$VAR\` (an error when unset), \`\${VAR:-default}\` (default when unset or empty),
  \`\${VAR-default}\` (default when unset), \`\${VAR:?message}\` / \`\${VAR?message}\` (an error with your message),
  \`\${VAR:+other}\` / \`\${VAR+other}\`, and \`$$\` for a literal \`$\`. Use it to keep secrets out of the file.
- **Commands**: \`command: httpd -f "/etc/my conf"\` is split into words like a shell: \`["httpd", "-f", "/etc/my conf"]\`.
- **Environment and labels**: a map (values may be strings, numbers or booleans) or a list of \`KEY=VALUE\`.
  A variable without a value is an error: turtle does not silently pass through its own environment.
- YAML anchors, aliases and \`<<\` merge keys work as in Compose files.

## Defaults that differ from Compose or Docker

- \`restart\`: \`unless-stopped\` (Compose: \`no\`).
- \`healthcheck\`: interval \`10s\`, timeout \`5s\`, retries \`3\`, start_period \`0s\` — an unhealthy service is noticed in
  about 30 s (Docker's defaults take 90 s). turtle restarts unhealthy containers; Docker alone does not.
  \`disable: true\` is kept as \`test: ["NONE"]\`, which turns off the image's own check; without a \`healthcheck\`
  the image's own check (if any) applies.
- \`sites\`: every edge site.

## Rules across fields

Every problem is reported at once, each with \`file:line:col\`, the path, what was expected and what was found.

- A service may only name sites that exist, and never an observer site (observers run nothing).
- \`depends_on\` must name existing services that run on every site the service runs on; cycles are refused
  and printed (\`web → api → web\`).
- On one site, no two services, and no two replicas of one service, may publish the same host port and
  protocol on overlapping addresses. Publish only the container port to let the engine pick.
- **The good-citizen budget**: on each edge site, the sum of \`resources.cpus × replicas\` over the services
  placed there must not exceed \`capacity.cpus × budget.cpu / 100\`, and the same for memory. A service
  without declared limits counts 0 here; it is governed at runtime instead (turtle samples the host and
  slows or pauses lower-priority services when the site is busy).
- \`resources.memory_reservation\` must not exceed \`resources.memory\`.
- An edge site needs \`capacity\`.
- An overlay must name a known site and a service that runs there.`,
};
