import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupByNetns, leaderOf } from '../../../src/core/local/discovery';
import { hostNetnsOf } from '../../../src/core/local/host-netns';
import { mapBounded } from '../../../src/core/local/bounded';
import { bareTargetMatches } from '../../../src/core/local/local-shark-tank';
import type { ProcessInfo } from '../../../src/core/local/process-scan';

function proc(pid: number, netns: number, starttime: number, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  return { pid, comm: `p${pid}`, ppid: 1, starttime, netns, kernelThread: false, ...extra };
}

test('processes group by namespace; kernel threads never join a group', () => {
  const groups = groupByNetns([proc(1, 10, 5), proc(2, 10, 6, { kernelThread: true }), proc(300, 20, 900), proc(301, 20, 950), proc(40, 10, 80)]);
  assert.deepEqual([...groups.keys()].sort(), [10, 20]);
  assert.deepEqual(groups.get(10)?.map((p) => p.pid), [1, 40]);
  assert.deepEqual(groups.get(20)?.map((p) => p.pid), [300, 301]);
});

test('the leader is the oldest process, the lowest PID among equally old ones (PIDs wrap)', () => {
  assert.equal(leaderOf([proc(900, 1, 50), proc(30, 1, 70), proc(12, 1, 50)])?.pid, 12);
  // A recycled low PID started later does not lead.
  assert.equal(leaderOf([proc(5, 1, 9000), proc(31000, 1, 100)])?.pid, 31000);
  assert.equal(leaderOf([]), undefined);
});

test("the host namespace: PID 1's, else a kernel thread's, else this process's own", () => {
  assert.deepEqual(hostNetnsOf([proc(1, 111, 1), proc(2, 222, 1, { kernelThread: true })], 333), { inode: 111, source: 'init' });
  assert.deepEqual(hostNetnsOf([proc(2, 222, 1, { kernelThread: true }), proc(50, 444, 7)], 333), { inode: 222, source: 'kernel-thread' });
  assert.deepEqual(hostNetnsOf([proc(50, 444, 7)], 333), { inode: 333, source: 'self' });
});

test('bare targets match by name, prefix, type (when given) and this node', () => {
  const found = [
    { name: 'web', type: 'docker', netns: 1, prefix: '' },
    { name: 'web', type: 'docker', netns: 2, prefix: 'kind-1' },
    { name: 'web', type: 'proc', netns: 3, prefix: '' },
  ];
  assert.deepEqual(bareTargetMatches({ name: 'web', type: 'docker' }, found, 'h').map((t) => t.netns), [1]);
  assert.deepEqual(bareTargetMatches({ name: 'web', type: 'docker', prefix: 'kind-1' }, found, 'h').map((t) => t.netns), [2]);
  assert.deepEqual(bareTargetMatches({ name: 'web', type: '' }, found, 'h').map((t) => t.netns), [1, 3]);
  assert.deepEqual(bareTargetMatches({ name: 'web', type: 'docker', nodeName: 'other' }, found, 'h'), []);
  assert.deepEqual(bareTargetMatches({ name: 'web', type: 'docker', nodeName: 'h' }, found, 'h').map((t) => t.netns), [1]);
});

test('mapBounded keeps the order and never runs more than the bound at once', async () => {
  let running = 0;
  let most = 0;
  const items = Array.from({ length: 25 }, (_, i) => i);
  const out = await mapBounded(items, 4, async (n) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, (n * 7) % 5));
    running--;
    return n * 2;
  });
  assert.deepEqual(out, items.map((n) => n * 2));
  assert.equal(most, 4);
  assert.deepEqual(await mapBounded([], 4, () => Promise.resolve(1)), []);
});
