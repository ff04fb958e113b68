// The /proc parsers and the cgroup writes of the governor's actuators, v1 and v2, by exact equality.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCpuCount, parseCpuTimes, parseKeyed, parseLoad, parseMemory, parseNetDev, parsePressure, valueOf } from '../../src/governor/_proc.js';
import { readKernelFile } from '../../src/governor/_read.js';
import { cpuCapWrite, memoryLimitWrite } from '../../src/governor/actuators.js';
import { cgroupTree } from '../../src/governor/_paths.js';
import { sampleHost } from '../../src/governor/host.js';
import { describeLocalGovernor, readLocalGovernor } from '../../src/governor/view.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('/proc/stat: busy is everything but idle and iowait; steal is neither busy nor counted; guest is not counted twice', () => {
  assert.deepEqual(parseCpuTimes('cpu  100 5 50 800 20 1 2 3 7 0\ncpu0 1 2 3 4\n'), { busy: 158, total: 978 });
});

test('/proc/meminfo, /proc/loadavg', () => {
  assert.deepEqual(parseMemory('MemTotal:       24684000 kB\nMemFree:  1 kB\nMemAvailable:   1000 kB\n'), { memTotalBytes: 24684000 * 1024, memAvailableBytes: 1024000 });
  assert.equal(parseLoad('1.84 1.12 0.21 2/345 6789\n'), 1.84);
});

test('/proc/pressure: some and full avg10; cpu without a full line reads 0', () => {
  assert.deepEqual(parsePressure('some avg10=4.94 avg60=4.96 avg300=18.42 total=4939519304\nfull avg10=1.50 avg60=0.00 avg300=0.00 total=0\n'), { someAvg10: 4.94, fullAvg10: 1.5 });
  assert.deepEqual(parsePressure('some avg10=0.25 avg60=0.00 avg300=0.00 total=1\n'), { someAvg10: 0.25, fullAvg10: 0 });
});

test('/proc/net/dev: every interface but loopback', () => {
  const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 5000      10    0    0    0     0          0         0     5000      10    0    0    0     0       0          0
  eth0: 1200      12    0    0    0     0          0         0      800       8    0    0    0     0       0          0
docker0:  300       3    0    0    0     0          0         0      100       1    0    0    0     0       0          0
`;
  assert.deepEqual(parseNetDev(text), { rxBytes: 1500, txBytes: 900 });
});

test('cpu.stat / memory.stat style files', () => {
  assert.deepEqual([...parseKeyed('usage_usec 1234\nuser_usec 1000\n')], [['usage_usec', 1234], ['user_usec', 1000]]);
});

test('one value of a keyed file: only a key that starts a line, whatever follows on other lines', () => {
  const stat = 'cache 10\ninactive_file 300\ntotal_inactive_file 700\n';
  assert.deepEqual(
    [valueOf(stat, 'inactive_file '), valueOf(stat, 'total_inactive_file '), valueOf(stat, 'cache '), valueOf(stat, 'active_file '), valueOf('oom_kill_disable 0\nunder_oom 0\noom_kill 3', 'oom_kill ')],
    [300, 700, 10, undefined, 3],
  );
  assert.equal(parseCpuCount('cpu  1 2 3\ncpu0 1 2 3\ncpu1 1 2 3\nintr 5 cpu9\nctxt 1\n'), 2);
  assert.deepEqual(parseCpuTimes('cpu  100 5 50 800 20 1 2 3 7 0'), { busy: 158, total: 978 });
});

test('kernel files are read afresh at every call; a regular file replaced on disk is read anew; a missing one falls back', async () => {
  const first = readKernelFile('/proc/uptime', '');
  await new Promise((r) => setTimeout(r, 30));
  assert.notEqual(readKernelFile('/proc/uptime', ''), first);
  const dir = mkdtempSync(join(tmpdir(), 'turtle-read-'));
  try {
    writeFileSync(join(dir, 'f'), 'one');
    assert.equal(readKernelFile(join(dir, 'f'), ''), 'one');
    rmSync(join(dir, 'f'));
    writeFileSync(join(dir, 'f'), 'two');
    assert.deepEqual([readKernelFile(join(dir, 'f'), ''), readKernelFile(join(dir, 'gone'), 'fallback'), readKernelFile('/proc/no-such-file', 'fallback')], ['two', 'fallback', 'fallback']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a CPU cap on the parent: v1 cfs quota against the period, v2 cpu.max; null lifts it', () => {
  const v1 = cgroupTree(1, '/cg');
  const v2 = cgroupTree(2, '/cg');
  assert.deepEqual(cpuCapWrite(v1, 0.2), { path: '/cg/cpu/turtle/cpu.cfs_quota_us', value: '20000' });
  assert.deepEqual(cpuCapWrite(v1, null), { path: '/cg/cpu/turtle/cpu.cfs_quota_us', value: '-1' });
  assert.deepEqual(cpuCapWrite(v2, 0.2), { path: '/cg/turtle/cpu.max', value: '20000 100000' });
  assert.deepEqual(cpuCapWrite(v2, null), { path: '/cg/turtle/cpu.max', value: 'max 100000' });
  assert.deepEqual(cpuCapWrite(v2, 0.001), { path: '/cg/turtle/cpu.max', value: '1000 100000' }); // the kernel's minimum
});

test('memory limits on the parent and on a class, v1 and v2', () => {
  assert.deepEqual(memoryLimitWrite(cgroupTree(1, '/cg'), 'turtle', 512 * 2 ** 20), { path: '/cg/memory/turtle/memory.limit_in_bytes', value: '536870912' });
  assert.deepEqual(memoryLimitWrite(cgroupTree(1, '/cg'), 'background', null), { path: '/cg/memory/turtle/background/memory.limit_in_bytes', value: '-1' });
  assert.deepEqual(memoryLimitWrite(cgroupTree(2, '/cg'), 'normal', 1000), { path: '/cg/turtle/normal/memory.max', value: '1000' });
  assert.deepEqual(memoryLimitWrite(cgroupTree(2, '/cg', 'turtle-test'), 'turtle', null), { path: '/cg/turtle-test/memory.max', value: 'max' });
});

test('sampling this host reads every source it has', () => {
  const s = sampleHost();
  assert.ok(s.cpus >= 1 && s.memTotalBytes > 0 && s.memAvailableBytes > 0 && s.memAvailableBytes <= s.memTotalBytes);
  assert.ok(s.cpu.total > s.cpu.busy);
  assert.ok(s.net.rxBytes >= 0);
});

test('turtle top reads the governor\'s caps back from the kernel, v1 and v2', () => {
  const root = mkdtempSync(join(tmpdir(), 'turtle-cg-'));
  try {
    mkdirSync(join(root, 'cpu/turtle'), { recursive: true });
    mkdirSync(join(root, 'memory/turtle'), { recursive: true });
    writeFileSync(join(root, 'cpu/turtle/cpu.cfs_quota_us'), '20000\n');
    writeFileSync(join(root, 'memory/turtle/memory.limit_in_bytes'), '9223372036854771712\n');
    const v1 = readLocalGovernor(root);
    assert.deepEqual(v1, { cpuCapCores: 0.2, memoryLimitBytes: null });
    assert.equal(describeLocalGovernor(v1!), 'capped at 0.2 CPUs (the host is busy), memory unlimited');
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory\n');
    mkdirSync(join(root, 'turtle'));
    writeFileSync(join(root, 'turtle/cpu.max'), 'max 100000\n');
    writeFileSync(join(root, 'turtle/memory.max'), `${3 * 2 ** 30}\n`);
    const v2 = readLocalGovernor(root);
    assert.deepEqual(v2, { cpuCapCores: null, memoryLimitBytes: 3 * 2 ** 30 });
    assert.equal(describeLocalGovernor(v2!), 'no CPU cap (turtle uses idle CPU; the host wins by weight), memory limited to 3.00 GiB');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
