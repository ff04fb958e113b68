// The isolation rules with the real iptables, in a network namespace of the test's own (root; Debian's
// iptables, the binary Docker and netavark drive). Other rules of the table are never touched.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Iptables, type Exec } from '../../src/firewall/iptables.js';
import { firewallScript, type FirewallInput } from '../../src/firewall/rules.js';

const NS = `ttfw-${process.pid}`;
const root = process.getuid?.() === 0;
const inNs: Exec = async (file, args, stdin) => execFileSync('ip', ['netns', 'exec', NS, file, ...args], { input: stdin ?? '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
const table = () => execFileSync('ip', ['netns', 'exec', NS, 'iptables', '-w', '-S'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('-A'));

const input: FirewallInput = {
  site: 'dc1',
  networks: [{ name: 'shop_default', iface: 'tt-0123456789ab', subnets: ['172.16.0.0/24'], gatewayDns: false }],
  open: [{ port: 8080, protocol: 'tcp' }],
  others: ['172.17.0.0/16'],
};

describe('firewall: iptables in a namespace', { skip: root ? false : 'needs root' }, () => {
  before(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    // someone else's rules, first in both chains: they stay, and turtle's jump goes before them
    execFileSync('ip', ['netns', 'exec', NS, 'iptables', '-w', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
    execFileSync('ip', ['netns', 'exec', NS, 'iptables', '-w', '-A', 'FORWARD', '-j', 'ACCEPT']);
  });
  after(() => execFileSync('ip', ['netns', 'del', NS]));

  test('applied once, then unchanged; put back after a hand edit or a rule moved ahead of it; replaced; removed', async () => {
    const fw = new Iptables(inNs);
    const script = firewallScript(input);
    assert.equal(await fw.sync('dc1', script), 'applied');
    const rules = table();
    assert.deepEqual(rules.filter((l) => l.startsWith('-A INPUT') || l.startsWith('-A FORWARD')), [
      '-A INPUT -m comment --comment "turtle site dc1" -j TT-dc1-IN',
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
      '-A FORWARD -m comment --comment "turtle site dc1" -j TT-dc1-FWD',
      '-A FORWARD -j ACCEPT',
    ]);
    assert.equal(rules.filter((l) => l.startsWith('-A TT-dc1-IN ')).length, 5);
    assert.equal(rules.filter((l) => l.startsWith('-A TT-dc1-FWD ')).length, 3);
    assert.equal(await fw.sync('dc1', script), 'unchanged');

    // a rule deleted by hand, then an ACCEPT put ahead of the jump (as an engine restarting would)
    await inNs('iptables', ['-w', '-D', 'TT-dc1-IN', '5']);
    assert.equal(await fw.sync('dc1', script), 'repaired');
    assert.equal(table().filter((l) => l.startsWith('-A TT-dc1-IN ')).length, 5);
    await inNs('iptables', ['-w', '-I', 'FORWARD', '1', '-j', 'ACCEPT']);
    assert.equal(await fw.sync('dc1', script), 'repaired');
    assert.equal(table().filter((l) => l.startsWith('-A FORWARD'))[0], '-A FORWARD -m comment --comment "turtle site dc1" -j TT-dc1-FWD');
    assert.equal(table().filter((l) => l.endsWith('-j TT-dc1-FWD')).length, 1, 'one jump, not one per repair');

    // a process that starts fresh finds the same rules in place: unchanged, not applied again
    assert.equal(await new Iptables(inNs).sync('dc1', script), 'unchanged');
    // new rules replace the old ones whole
    const wider = firewallScript({ ...input, open: [...input.open, { port: 53, protocol: 'udp' }] });
    assert.equal(await fw.sync('dc1', wider), 'applied');
    assert.equal(table().filter((l) => l.startsWith('-A TT-dc1-IN ')).length, 6);

    assert.equal(await fw.remove('dc1'), true);
    assert.deepEqual(table(), ['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', '-A FORWARD -j ACCEPT', '-A FORWARD -j ACCEPT']);
    assert.equal(await fw.remove('dc1'), false);
  });
});
