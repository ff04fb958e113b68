// The agent's three ways to run (systemd, OpenWrt procd, container) pass the Node options bench:agent measures with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AGENT_MALLOC, AGENT_NODE_FLAGS, AGENT_NODE_OPTIONS } from '../../bench/_agent-site.js';

const flags = AGENT_NODE_FLAGS.split(' ');
const cases: [string, string, RegExp][] = [
  ['deploy/systemd/turtle-agent.service', `Environment="NODE_OPTIONS=${AGENT_NODE_OPTIONS}"`, new RegExp(`^ExecStart=/usr/bin/node ${flags.join(' ')} /usr/lib/turtle/bin/turtle\\.js `)],
  ['deploy/openwrt/turtle-agent', `procd_set_param env NODE_OPTIONS="${AGENT_NODE_OPTIONS}"`, new RegExp(`^procd_set_param command /usr/bin/node ${flags.join(' ')} /usr/lib/turtle/bin/turtle\\.js `)],
  ['deploy/container/Dockerfile', `ENV NODE_OPTIONS="${AGENT_NODE_OPTIONS}"`, new RegExp(`^ENTRYPOINT \\["node", ${flags.map((f) => `"${f}"`).join(', ')}, "bin/turtle\\.js", `)],
];

for (const [file, options, command] of cases) {
  test(`${file} runs the agent with the measured Node options and flags`, () => {
    const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim());
    assert.equal(lines.filter((l) => l === options).length, 1);
    assert.equal(lines.filter((l) => command.test(l)).length, 1, `${file}: ${command}`);
  });
}

test('the systemd unit and the container set the glibc setting bench:agent measures with (OpenWrt runs musl, which has none)', () => {
  const [[name, value]] = Object.entries(AGENT_MALLOC) as [[string, string]];
  const has = (file: string, line: string) => readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l === line).length;
  assert.deepEqual([has('deploy/systemd/turtle-agent.service', `Environment=${name}=${value}`), has('deploy/container/Dockerfile', `ENV ${name}=${value}`)], [1, 1]);
});
