// Every validation rule, with the exact message and position users see (table-driven).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../src/spec/index.js';
import { InvalidInputError } from '../../src/lib/errors.js';
import { specProblems } from '../helpers/fixtures.js';

const problems = (text: string) => specProblems(text, { PRESENT: 'yes' });

const HEAD = `version: 1
project: shop
sites:
  dc1: { capacity: { cpus: 4, memory: 4g } }
  dc2: { capacity: { cpus: 2, memory: 2g } }
  obs: { role: observer }
services:
`;

const cases: { name: string; text: string; expected: string[] }[] = [
  {
    name: "rollout: order names edge sites once; policies are one of their words",
    text: HEAD + `  web: { image: nginx }
rollout:
  order: [dc2, dc9, obs, dc2]
  on_failure: rolback
  unreachable: skip
  bake: soon
`,
    expected: [
      "turtle.yaml:10:16: rollout.order[1]: unknown site `dc9`, did you mean `dc1`? (known sites: dc1, dc2, obs)",
      "turtle.yaml:10:21: rollout.order[2]: obs is an observer site; observers get no versions (remove obs from rollout.order)",
      "turtle.yaml:10:26: rollout.order[3]: dc2 is listed twice (name each site once)",
      "turtle.yaml:11:15: rollout.on_failure: expected one of rollback, halt; found \"rolback\", did you mean `rollback`?",
      "turtle.yaml:13:9: rollout.bake: expected a duration such as 500ms, 10s or 1m30s, found \"soon\"",
    ],
  },
  {
    name: "unknown key, with the closest valid key",
    text: HEAD + `  web:
    image: nginx
    helthcheck: { test: x }
`,
    expected: [
      "turtle.yaml:10:5: services.web.helthcheck: unknown key `helthcheck`, did you mean `healthcheck`?",
    ],
  },
  {
    name: "unknown key far from any valid key lists them",
    text: HEAD + `  web:
    image: nginx
    zzzzzz: 1
`,
    expected: [
      "turtle.yaml:10:5: services.web.zzzzzz: unknown key `zzzzzz` (expected one of: image, command, entrypoint, environment, ports, volumes, healthcheck, probe, proxy, update, restart, depends_on, labels, user, read_only, cap_drop, priority, resources, sites, replicas, networks, network_mode, links, container_name, hostname, domainname, expose, env_file, cap_add, security_opt, privileged, devices, tmpfs, extra_hosts, dns, dns_search, dns_opt, sysctls, init, stop_signal, stop_grace_period, working_dir, ulimits, pids_limit, logging, platform, stdin_open, tty, shm_size, group_add, oom_score_adj, mem_limit, mem_reservation, memswap_limit, cpus, runtime, scale, deploy, profiles, pull_policy, build, secrets, configs)",
    ],
  },
  {
    name: "wrong types say what was expected and found",
    text: HEAD + `  web:
    image: [nginx]
    replicas: two
    read_only: yes
`,
    expected: [
      "turtle.yaml:9:5: services.web.image: expected a string, found a list",
      "turtle.yaml:10:15: services.web.replicas: expected a whole number, found \"two\"",
      "turtle.yaml:11:16: services.web.read_only: expected true or false, found \"yes\"",
    ],
  },
  {
    name: "a service placed on an unknown site",
    text: HEAD + `  web:
    image: nginx
    sites: [dc1, dc3]
`,
    expected: [
      "turtle.yaml:10:18: services.web.sites[1]: unknown site `dc3`, did you mean `dc1`? (known sites: dc1, dc2, obs)",
    ],
  },
  {
    name: "a service placed on an observer site",
    text: HEAD + `  web:
    image: nginx
    sites: [obs]
`,
    expected: [
      "turtle.yaml:10:13: services.web.sites[0]: obs is an observer site; observers run nothing (remove obs from services.web.sites; edge sites are dc1, dc2)",
    ],
  },
  {
    name: "depends_on names an unknown service",
    text: HEAD + `  web:
    image: nginx
    depends_on: [dbb]
  db:
    image: postgres
`,
    expected: [
      "turtle.yaml:10:18: services.web.depends_on[0]: unknown service `dbb`, did you mean `db`? (known services: web, db)",
    ],
  },
  {
    name: "depends_on names a service not on the same site",
    text: HEAD + `  web:
    image: nginx
    depends_on: { db: { condition: service_healthy } }
  db:
    image: postgres
    sites: [dc1]
`,
    expected: [
      "turtle.yaml:10:19: services.web.depends_on.db: web depends on db, which does not run on dc2 (add dc2 to services.db.sites, or remove dc2 from services.web.sites)",
    ],
  },
  {
    name: "depends_on cycle is printed",
    text: HEAD + `  a:
    image: x
    depends_on: [b]
  b:
    image: x
    depends_on: [c]
  c:
    image: x
    depends_on: [a]
`,
    expected: [
      "turtle.yaml:10:18: services.a.depends_on[0]: depends_on forms a cycle: a → b → c → a (remove one of these dependencies)",
    ],
  },
  {
    name: "two services publish the same host port on one site",
    text: HEAD + `  web:
    image: nginx
    ports: ["8080:80"]
  api:
    image: api
    ports: ["127.0.0.1:8080:3000", "9000:9000/udp"]
    sites: [dc1]
`,
    expected: [
      "turtle.yaml:13:13: services.api.ports[0]: host port 127.0.0.1:8080/tcp on dc1 is published by both web and api (change the published port of one of them)",
    ],
  },
  {
    name: "replicas of one service publish a fixed host port",
    text: HEAD + `  web:
    image: nginx
    ports: ["8080:80", "80"]
    replicas: 2
    sites: [dc2]
`,
    expected: [
      "turtle.yaml:10:13: services.web.ports[0]: web publishes host port 8080/tcp but runs 2 replicas on dc2, which cannot all bind it (publish only the container port, e.g. \"80\", so the engine picks free host ports; or use replicas: 1)",
    ],
  },
  {
    name: "declared limits exceed the site budget",
    text: HEAD + `  web:
    image: nginx
    resources: { cpus: 0.5, memory: 512m }
    sites: [dc1]
  db:
    image: postgres
    resources: { cpus: 0.2, memory: 128m }
    replicas: 2
    sites: [dc1]
`,
    expected: [
      "turtle.yaml:4:3: sites.dc1.budget.cpu: services on dc1 ask for 0.9 CPUs (web 0.5, db 2 × 0.2) but its budget is 0.4 (10% of 4) (lower the limits or raise sites.dc1.budget.cpu)",
      "turtle.yaml:4:3: sites.dc1.budget.memory: services on dc1 ask for 768 MiB of memory (web 512 MiB, db 2 × 128 MiB) but its budget is 409.6 MiB (10% of 4 GiB) (lower the limits or raise sites.dc1.budget.memory)",
    ],
  },
  {
    name: "memory_reservation above memory",
    text: HEAD + `  web:
    image: nginx
    resources: { memory: 128m, memory_reservation: 256m }
`,
    expected: [
      "turtle.yaml:10:52: services.web.resources.memory_reservation: memory_reservation (256 MiB) is more than memory (128 MiB) (lower memory_reservation or raise memory)",
    ],
  },
  {
    name: "overlay for unknown site, unknown service, a site the service does not run on, and overlay fields",
    text: HEAD + `  web:
    image: nginx
    sites: [dc1]
overlays:
  dc9: { services: { web: {} } }
  dc2: { services: { web: { image: x } } }
  dc1:
    services:
      wbe: { image: y }
      web: { sites: [dc2], replicas: 0 }
`,
    expected: [
      "turtle.yaml:12:3: overlays.dc9: overlay for unknown site `dc9`, did you mean `dc1`? (known sites: dc1, dc2, obs)",
      "turtle.yaml:13:22: overlays.dc2.services.web: web does not run on dc2, so this overlay has no effect (add dc2 to services.web.sites, or remove the overlay)",
      "turtle.yaml:16:7: overlays.dc1.services.wbe: overlay for unknown service `wbe` (known services: web)",
      "turtle.yaml:17:14: overlays.dc1.services.web.sites: `sites` cannot be set in an overlay (choose where web runs in services.web.sites)",
      "turtle.yaml:17:38: overlays.dc1.services.web.replicas: must be at least 1, found 0",
    ],
  },
  {
    name: "an overlay can break the budget",
    text: HEAD + `  web:
    image: nginx
    resources: { cpus: 0.1, memory: 64m }
overlays:
  dc2:
    services:
      web: { resources: { cpus: 1 } }
`,
    expected: [
      "turtle.yaml:5:3: sites.dc2.budget.cpu: services on dc2 ask for 1 CPU (web 1) but its budget is 0.2 (10% of 2) (lower the limits or raise sites.dc2.budget.cpu)",
    ],
  },
  {
    name: "an edge site without capacity",
    text: HEAD.replace('dc2: { capacity: { cpus: 2, memory: 2g } }', 'dc2: { runtime: podman }') + `  web:
    image: nginx
`,
    expected: [
      "turtle.yaml:5:3: sites.dc2: an edge site needs `capacity` so turtle can keep to its budget (add capacity: { cpus: 4, memory: 4g } with what the host has)",
    ],
  },
  {
    name: "unset variables are located; a plain one left blank is named where the blank is wrong",
    text: HEAD + `  web:
    image: "\${IMAGE}"
    environment: { A: "\${A:?needs a value}", B: "\${B:-x}" }
`,
    expected: [
      "turtle.yaml:9:12: services.web.image: must not be empty (variable `IMAGE` is not set, so it was blank) (set IMAGE in the environment or in .env beside the file, give a default (${IMAGE:-value}), or make it required (${IMAGE:?why}))",
      "turtle.yaml:10:23: services.web.environment.A: variable `A` is not set: needs a value (set A in the environment)",
    ],
  },
  {
    name: "environment and labels entries without values, repeats (one repeated as it was is fine)",
    text: HEAD + `  web:
    image: nginx
    environment: [A=1, B, A=2, A=1]
    labels: { x: }
`,
    expected: [
      "turtle.yaml:10:27: services.web.environment[2]: variable `A` is set twice, to two values (first at [0]) (keep the one you mean)",
      "turtle.yaml:11:18: services.web.labels.x: label `x` has no value (write x: \"\" for an empty label)",
    ],
  },
  {
    name: "port syntax errors",
    text: HEAD + `  web:
    image: nginx
    ports: ["8080:80/sctp", "a:80", 70000, {target: 80, publish: 81}, {published: 80}]
`,
    expected: [
      "turtle.yaml:10:13: services.web.ports[0]: protocol \"sctp\" is not tcp or udp, found \"8080:80/sctp\" (e.g. \"8080:80\", \"127.0.0.1:8443:443/tcp\" or \"9000\")",
      "turtle.yaml:10:29: services.web.ports[1]: host port \"a\" is not a number, found \"a:80\" (e.g. \"8080:80\", \"127.0.0.1:8443:443/tcp\" or \"9000\")",
      "turtle.yaml:10:37: services.web.ports[2]: container port 70000 is outside 1-65535, found number 70000 (e.g. \"8080:80\", \"127.0.0.1:8443:443/tcp\" or \"9000\")",
      "turtle.yaml:10:57: services.web.ports[3].publish: unknown key `publish`, did you mean `published`?",
      "turtle.yaml:10:71: services.web.ports[4]: missing required key `target`",
    ],
  },
  {
    name: "volume syntax errors",
    text: HEAD + `  web:
    image: nginx
    volumes: ["./d:data", "./d:/d:rx", {type: bind, target: /x}, {type: tmpfs, source: a, target: /t}]
`,
    expected: [
      "turtle.yaml:10:15: services.web.volumes[0]: target \"data\" must be an absolute path in the container, found \"./d:data\" (e.g. \"./data:/data:ro\" or \"named:/var/lib/x\")",
      "turtle.yaml:10:27: services.web.volumes[1]: mode \"rx\" is not one of ro, rw, z, Z, cached, delegated, consistent, found \"./d:/d:rx\" (e.g. \"./data:/data:ro\" or \"named:/var/lib/x\")",
      "turtle.yaml:10:40: services.web.volumes[2]: a bind mount needs `source` (the host path)",
      "turtle.yaml:10:88: services.web.volumes[3].source: a tmpfs mount has no source",
    ],
  },
  {
    name: "healthcheck errors",
    text: HEAD + `  web:
    image: nginx
    healthcheck: { test: [curl, x], interval: 10, timeout: 1x }
  api:
    image: a
    healthcheck: { disable: true, test: x }
  db:
    image: d
    healthcheck: { interval: 1s }
`,
    expected: [
      "turtle.yaml:10:20: services.web.healthcheck.test: a test list starts with CMD or CMD-SHELL followed by the command, or is [\"NONE\"]; found \"curl\" first (e.g. [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://127.0.0.1/health\"], or a plain string run by the shell)",
      "turtle.yaml:10:47: services.web.healthcheck.interval: expected a duration such as 500ms, 10s or 1m30s, found number 10 (add a unit: 10s or 10ms)",
      "turtle.yaml:10:60: services.web.healthcheck.timeout: expected a duration such as 500ms, 10s or 1m30s, found \"1x\"",
      "turtle.yaml:13:29: services.api.healthcheck.disable: `disable: true` cannot be combined with `test` (remove one of them)",
      "turtle.yaml:16:5: services.db.healthcheck: missing required key `test` (or write `disable: true` to turn the image's check off)",
    ],
  },
  {
    name: "command string that cannot be split",
    text: HEAD + `  web:
    image: nginx
    command: 'sh -c "echo'
`,
    expected: [
      "turtle.yaml:10:14: services.web.command: cannot split into words: unclosed \" quote (close the quote, or write a list)",
    ],
  },
  {
    name: "build without an image, enum values",
    text: HEAD + `  web:
    build: .
    restart: on-failure:3
    priority: high
`,
    expected: [
      "turtle.yaml:8:3: services.web: missing required key `image`",
      "turtle.yaml:9:5: services.web.build: turtle deploys images and does not build them on the sites (a router has neither the tools nor the room) (build and name it where you develop (docker build -t web:1 .), then `docker save web:1 | ssh router docker load` or push it to a registry, and write `image: web:1`)",
      "turtle.yaml:10:14: services.web.restart: expected one of no, always, on-failure, unless-stopped; found \"on-failure:3\", did you mean `on-failure`?",
      "turtle.yaml:11:15: services.web.priority: expected one of critical, normal, background; found \"high\"",
    ],
  },
  {
    name: "service names",
    text: HEAD + `  Web:
    image: nginx
`,
    expected: [
      "turtle.yaml:8:3: services.Web: service name \"Web\" is not valid: lower-case letters, digits, _ and -, starting with a letter or digit",
    ],
  },
  {
    name: "YAML syntax errors and duplicate keys are located",
    text: `version: 1
project: shop
project: x
sites:
  dc1: {capacity: {cpus: 1, memory: 1g}
services:
  web:
   image: [a
`,
    expected: [
      "turtle.yaml:3:1: duplicate key `project` (a key may appear once in a map: remove or merge the repeats)",
      "turtle.yaml:6:1: YAML: Flow map in block collection must be sufficiently indented and end with a }",
      "turtle.yaml:9:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  },
  {
    name: "empty file",
    text: ``,
    expected: [
      "turtle.yaml: the file is empty (start with version: 1, project, sites and services)",
    ],
  },
  {
    name: "a list instead of a map",
    text: `- web
`,
    expected: [
      "turtle.yaml: expected a map with version, project, sites and services, found a list",
    ],
  },
  {
    name: "top level: version, missing keys, misspelt and unsupported keys",
    text: `version: 7
servces: {}
include: []
x-anchors: { a: 1 }
`,
    expected: [
      "turtle.yaml: missing required key `project` (add project: NAME (or Compose's name: NAME))",
      "turtle.yaml: missing required key `sites`",
      "turtle.yaml:1:10: version: version 7 is not supported; this turtle reads version 1",
      "turtle.yaml:2:1: servces: unknown key `servces`, did you mean `services`?",
      "turtle.yaml:3:1: include: `include` is not supported by turtle (turtle reads one file: copy the included services into it (their sites, networks and volumes too))",
    ],
  },
  {
    name: "site fields",
    text: `version: 1
project: shop
sites:
  dc1:
    runtime: native
    engine: ssh://host
    capacity: { cpus: 0, memory: lots }
    budget: { cpu: 150 }
  dc2:
    role: edgy
    agent: 10.0.0.1
  Bad_Name: { role: observer }
`,
    expected: [
      "turtle.yaml:5:14: sites.dc1.runtime: \"native\" is not supported yet (use docker or podman)",
      "turtle.yaml:6:13: sites.dc1.engine: \"ssh://host\" is not valid: expected unix:///path, tcp://host:port or http(s)://host:port",
      "turtle.yaml:7:23: sites.dc1.capacity.cpus: must be more than 0, found 0",
      "turtle.yaml:7:34: sites.dc1.capacity.memory: expected a size such as 512k, 256m or 1g, found \"lots\"",
      "turtle.yaml:8:20: sites.dc1.budget.cpu: must be at most 100, found 150",
      "turtle.yaml:10:11: sites.dc2.role: expected one of edge, observer; found \"edgy\", did you mean `edge`?",
      "turtle.yaml:11:12: sites.dc2.agent: \"10.0.0.1\" is not valid: expected http(s)://host[:port][/path]",
      "turtle.yaml:12:3: sites.Bad_Name: site name \"Bad_Name\" is not valid: lower-case letters, digits and -, starting with a letter or digit",
    ],
  },
];

for (const c of cases) test(c.name, () => assert.deepEqual(problems(c.text), c.expected));

test('issues are structured: where, path, message and hint apart; the error says how many', () => {
  const text = HEAD + '  web:\n    image: nginx\n    sites: [dc1, dc3]\n    replicas: 0\n';
  let err: unknown;
  try {
    parseSpec(text, 'turtle.yaml', {});
  } catch (caught) {
    err = caught;
  }
  assert.ok(err instanceof InvalidInputError);
  assert.equal(err.message, 'turtle.yaml: 2 problems in the spec');
  assert.equal(err.exitCode, 1);
  assert.deepEqual(err.issues, [
    {
      where: 'turtle.yaml:10:18',
      path: 'services.web.sites[1]',
      message: 'unknown site `dc3`, did you mean `dc1`?',
      hint: 'known sites: dc1, dc2, obs',
    },
    { where: 'turtle.yaml:11:15', path: 'services.web.replicas', message: 'must be at least 1, found 0' },
  ]);
});

test('an interpolated value that fixes a problem leaves none', () => {
  assert.deepEqual(problems(HEAD + '  web:\n    image: "${PRESENT}"\n    replicas: "${N:-2}"\n'), []);
});
