// cgroup v1's OOM kills, counted from the kernel's log records (the records below are as this kernel and
// Linux 4.14 print them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { killCounter, oomVictimCgroup, under } from '../../src/governor/_kmsg.js';

const modern = (task: string) =>
  `3,21400,56579168684,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=4582da2e,mems_allowed=0,oom_memcg=/turtle,task_memcg=${task},task=sh,pid=6462,uid=0\n`;
const old = (task: string) => `6,812,9913000,-;Task in ${task} killed as a result of limit of /turtle\n`;

test("a kill record names the victim's cgroup, in both of the kernel's formats; other records name none", () => {
  assert.equal(oomVictimCgroup(modern('/turtle/background/4582da2e')), '/turtle/background/4582da2e');
  assert.equal(oomVictimCgroup(old('/turtle/normal/abc')), '/turtle/normal/abc');
  assert.equal(oomVictimCgroup('6,21311,56548044226,-;br-c90e: port 4(veth844fc95) entered disabled state\n'), undefined);
  assert.equal(oomVictimCgroup('4,21399,56579167568,-;sh invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0\n'), undefined);
  // a message that merely mentions the key is not a kill
  assert.equal(oomVictimCgroup('6,1,1,-;audit: comm="x" task_memcg=/turtle/normal\n'), undefined);
});

test('a cgroup is under a directory only on whole path segments, also below a namespace prefix', () => {
  assert.equal(under('/turtle/background/4582', 'turtle/background'), true);
  assert.equal(under('/turtle/background', 'turtle/background'), true);
  assert.equal(under('/turtle/background/4582', 'turtle'), true);
  assert.equal(under('/turtle-gov-1/background/4582', 'turtle'), false);
  assert.equal(under('/turtle/backgrounds/4582', 'turtle/background'), false);
  assert.equal(under('/kubepods/turtle/normal/x', 'turtle/normal'), true);
  assert.equal(under('/turtle.slice/turtle-normal.slice/docker-1.scope', 'turtle.slice/turtle-normal.slice'), true);
});

test('kills are counted under every watched group that holds the victim, from when it is watched', () => {
  const c = killCounter();
  c.record(modern('/turtle/background/a')); // before anything was watched: not counted
  c.watch('turtle');
  c.watch('turtle/background');
  c.watch('turtle/normal');
  c.record(modern('/turtle/background/b'));
  c.record(old('/turtle/normal/c'));
  c.record(modern('/turtle/d')); // in the parent itself
  c.record(modern('/system.slice/sshd.service')); // not turtle's
  c.watch('turtle'); // watching again keeps the count
  assert.deepEqual(['turtle', 'turtle/background', 'turtle/normal', 'turtle/critical'].map((d) => c.kills(d)), [3, 1, 1, 0]);
});
