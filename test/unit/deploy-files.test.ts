// The agent's three ways to run (systemd, OpenWrt procd, container) pass the Node options bench:agent measures with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AGENT_NODE_OPTIONS } from '../../bench/_agent-site.js';

const cases: [string, string][] = [
  ['deploy/systemd/turtle-agent.service', `Environment="NODE_OPTIONS=${AGENT_NODE_OPTIONS}"`],
  ['deploy/openwrt/turtle-agent', `procd_set_param env NODE_OPTIONS="${AGENT_NODE_OPTIONS}"`],
  ['deploy/container/Dockerfile', `ENV NODE_OPTIONS="${AGENT_NODE_OPTIONS}"`],
];

for (const [file, line] of cases) {
  test(`${file} sets the measured Node options`, () => {
    assert.equal(readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() === line).length, 1);
  });
}
