// The plan, its binding budgets, the conflict for an impossible spec, and input errors, as exact text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError, formatIssue } from '../../src/lib/errors.js';
import { exportLp, optimise, renderPlan, toOverlays } from '../../src/optimise/index.js';
import type { OptimiseInput } from '../../src/optimise/types.js';

const MiB = 2 ** 20;

/** dc1 a UDM Pro (Docker, 10%), dc2 an OpenWrt router (Podman, 10%), dc3 a Fly.io observer paid by resource. */
function threeSites(): OptimiseInput {
  return {
    sites: [
      { name: 'dc1', role: 'edge', runtime: 'docker', capacity: { cpus: 4, memory: 4096 * MiB }, budgetPercent: { cpu: 10, memory: 10 },
        overhead: { perContainer: { cpus: 0, memory: 13 * MiB }, perSite: { cpus: 0.02, memory: 142 * MiB } } },
      { name: 'dc2', role: 'edge', runtime: 'podman', capacity: { cpus: 2, memory: 512 * MiB }, budgetPercent: { cpu: 10, memory: 10 },
        overhead: { perContainer: { cpus: 0, memory: 13 * MiB }, perSite: { cpus: 0, memory: 0 } } },
      { name: 'dc3', role: 'observer', runtime: 'docker', capacity: { cpus: 1, memory: 256 * MiB }, budgetPercent: { cpu: 100, memory: 100 },
        overhead: { perContainer: { cpus: 0, memory: 0 }, perSite: { cpus: 0, memory: 0 } }, cost: { perCpu: 2, perGB: 5 } },
    ],
    services: [
      { name: 'web', priority: 'critical', replicas: 2, min: { cpus: 0.05, memory: 16 * MiB }, max: { cpus: 0.5, memory: 128 * MiB }, observerClass: false,
        current: [{ site: 'dc1', cpus: 0.5, memory: 128 * MiB }, { site: 'dc1', cpus: 0.5, memory: 128 * MiB }] },
      { name: 'db', priority: 'normal', replicas: 1, sites: ['dc1'], min: { cpus: 0.1, memory: 64 * MiB }, max: { cpus: 1, memory: 256 * MiB }, observerClass: false },
      { name: 'observer', priority: 'background', replicas: 1, sites: ['dc3'], min: { cpus: 0.1, memory: 64 * MiB }, max: { cpus: 1, memory: 256 * MiB }, observerClass: true,
        current: [{ site: 'dc3', cpus: 0.1, memory: 64 * MiB }] },
    ],
  };
}

test('plan: placements, per-site usage, changes and binding budgets with what relaxing each buys', async () => {
  const result = await optimise(threeSites());
  const text = renderPlan(result).replace(/solved in \d+ ms/, 'solved in N ms');
  assert.equal(text, `Plan: proven optimal (MIP gap 0%), objective 4.7231, solved in N ms

site  containers  cpu used / budget  memory used / budget   $/month
dc1   2           0.4 / 0.4 cores    409.6 MiB / 409.6 MiB  -
dc2   1           0.2 / 0.2 cores    51.2 MiB / 51.2 MiB    -
dc3   1           0.1 / 1 core       64 MiB / 256 MiB       0.51

service   replica  site  cpus  memory
db        1        dc1   0.1   113.6 MiB
observer  1        dc3   0.1   64 MiB
web       1        dc1   0.28  128 MiB
web       2        dc2   0.2   38.2 MiB

Changes against the spec:
  web: on dc1: 2 × 0.5 cores, 128 MiB -> 1 × 0.28 cores, 128 MiB
  web: add on dc2: 1 × 0.2 cores, 38.2 MiB
  db: add on dc1: 1 × 0.1 cores, 113.6 MiB

Binding budgets (what 10% more would buy, measured by solving again):
  dc1 cpu budget (0.4 cores) binds: +0.04 cores would raise the objective by 0.16 (shadow price 4 per core with placement fixed)
  dc1 memory budget (409.6 MiB) binds: +41 MiB would raise the objective by 0.16 (shadow price 0.0039 per MiB with placement fixed)
  dc2 cpu budget (0.2 cores) binds: +0.02 cores would raise the objective by 0.08 (shadow price 4 per core with placement fixed)
  dc2 memory budget (51.2 MiB) binds: +5.1 MiB would raise the objective by 0.08 (shadow price 0.0156 per MiB with placement fixed)
`);
  assert.deepEqual(toOverlays(result), {
    dc1: { db: { replicas: 1, resources: { cpus: 0.1, memory: 119117824 } }, web: { replicas: 1, resources: { cpus: 0.28, memory: 128 * MiB } } },
    dc2: { web: { replicas: 1, resources: { cpus: 0.2, memory: 40054784 } } },
    dc3: { observer: { replicas: 1, resources: { cpus: 0.1, memory: 64 * MiB } } },
  });
});

test('infeasible: the irreducible conflict in plain words, with a one-line headline', async () => {
  const input = threeSites();
  const db = input.services[1]!;
  db.sites = ['dc2'];
  db.min.memory = 64 * MiB;
  const result = await optimise(input);
  assert.equal(result.status, 'infeasible');
  assert.deepEqual(result.conflict?.constraints, ['allowed:db', 'min:db', 'budget-memory:dc2', 'place:db']);
  assert.equal(renderPlan(result), `The spec cannot be satisfied.
dc2's memory budget (51.2 MiB) cannot hold db's minimum 64 MiB plus podman's 13 MiB per-container overhead.
These constraints conflict; relaxing any one of them resolves it:
  - db may run only on dc2 (sites: [dc2])
  - db needs at least 0.1 cores and 64 MiB per replica
  - dc2's memory budget is 51.2 MiB (10% of 512 MiB); podman takes 13 MiB per container
  - db must run 1 replica (replicas: 1)
`);
});

test('infeasible: replicas that must spread out, an observer site and a small router', async () => {
  const input = threeSites();
  input.services = [{ name: 'api', priority: 'normal', replicas: 2, min: { cpus: 0.01, memory: 48 * MiB }, max: { cpus: 0.1, memory: 64 * MiB }, observerClass: false }];
  const result = await optimise(input);
  assert.deepEqual(result.conflict?.lines, [
    "api's 2 replicas must be spread out: at most 1 per site",
    'dc3 is an observer site and runs only observer-class services (api is not)',
    'api needs at least 0.01 cores and 48 MiB per replica',
    "dc2's memory budget is 51.2 MiB (10% of 512 MiB); podman takes 13 MiB per container",
    'api must run 2 replicas (replicas: 2)',
  ]);
  assert.equal(result.conflict?.headline, undefined);
});

test('invalid input: every problem, with where and how to fix it', async () => {
  const input = threeSites();
  input.services[0]!.min.cpus = 1;
  input.services[1]!.sites = ['dc9'];
  input.sites[1]!.budgetPercent.memory = 0;
  await assert.rejects(optimise(input), (err: unknown) => {
    assert.ok(err instanceof InvalidInputError);
    assert.equal(err.message, "the optimiser's input has 3 problems");
    assert.deepEqual(err.issues.map(formatIssue), [
      'site dc2: budget.memory: must be a percent in (0, 100], got 0',
      'service web: min.cpus: is above max.cpus (1 > 0.5) (lower min.cpus or raise max.cpus)',
      'service db: sites: names unknown site dc9 (known sites: dc1, dc2, dc3)',
    ]);
    return true;
  });
});

test('the LP file both solvers read', () => {
  const input: OptimiseInput = {
    sites: [
      { name: 'a', role: 'edge', runtime: 'docker', capacity: { cpus: 2, memory: 1024 * MiB }, budgetPercent: { cpu: 50, memory: 50 },
        overhead: { perContainer: { cpus: 0, memory: 10 * MiB }, perSite: { cpus: 0.1, memory: 100 * MiB } } },
      { name: 'b', role: 'observer', runtime: 'docker', capacity: { cpus: 1, memory: 256 * MiB }, budgetPercent: { cpu: 100, memory: 100 },
        overhead: { perContainer: { cpus: 0, memory: 0 }, perSite: { cpus: 0, memory: 0 } }, cost: { perCpu: 2, perGB: 4 } },
    ],
    services: [{ name: 'web', priority: 'normal', replicas: 2, sites: ['a'], min: { cpus: 0.1, memory: 32 * MiB }, max: { cpus: 1, memory: 128 * MiB }, observerClass: false }],
  };
  assert.equal(exportLp(input), `\\ turtle optimise: 1 services x 2 sites
Maximize
 obj: 1 c0_0 + 0.0078125 m0_0 - 1 c0_1 + 0.00390625 m0_1
Subject To
 capc0_0: 1 c0_0 - 1 n0_0 <= 0
 capm0_0: 1 m0_0 - 128 n0_0 <= 0
 minc0_0: 1 c0_0 - 0.1 n0_0 >= 0
 minm0_0: 1 m0_0 - 32 n0_0 >= 0
 used0_0: 1 n0_0 - 2 u0 <= 0
 capc0_1: 1 c0_1 - 1 n0_1 <= 0
 capm0_1: 1 m0_1 - 128 n0_1 <= 0
 minc0_1: 1 c0_1 - 0.1 n0_1 >= 0
 minm0_1: 1 m0_1 - 32 n0_1 >= 0
 place0: 1 n0_0 + 1 n0_1 = 2
 allowed0_1: 1 n0_1 = 0
 role0_1: 1 n0_1 = 0
 bcpu0: 1 c0_0 + 0.1 u0 <= 1
 bmem0: 1 m0_0 + 10 n0_0 + 100 u0 <= 512
 bcpu1: 1 c0_1 <= 1
 bmem1: 1 m0_1 <= 256
Bounds
 0 <= u0 <= 1
 0 <= n0_0 <= 2
 0 <= c0_0 <= 2
 0 <= m0_0 <= 256
 0 <= n0_1 <= 2
 0 <= c0_1 <= 2
 0 <= m0_1 <= 256
Generals
 u0 n0_0 n0_1
End
`);
});
