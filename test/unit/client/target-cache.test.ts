import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TargetCache } from '../../../src/core/target-cache';
import type { Target } from '../../../src/core/target';

const pod = (name: string, extra: Partial<Target> = {}): Target => ({ name, type: 'pod', netns: 1, ...extra });
const container = (name: string, nodeName: string, prefix = '', extra: Partial<Target> = {}): Target => ({ name, type: 'docker', netns: 2, nodeName, prefix, ...extra });

describe('TargetCache', () => {
  it('starts empty, holds what was set, and clears', () => {
    const cache = new TargetCache();
    assert.equal(cache.isEmpty(), true);
    assert.deepEqual(cache.targets(), []);
    const targets = [pod('default/a'), container('web', 'n1')];
    cache.set(targets);
    assert.equal(cache.isEmpty(), false);
    assert.deepEqual(cache.targets(), targets);
    cache.clear();
    assert.equal(cache.isEmpty(), true);
    assert.equal(cache.pod('default/a'), undefined);
    assert.equal(cache.onNode('n1', '', 'web'), undefined);
  });

  it('finds a pod by name, whatever its prefix (csharg cannot)', () => {
    const cache = new TargetCache();
    cache.set([pod('default/a', { prefix: 'kind-control-plane', nodeName: 'n1' }), pod('kube-system/b')]);
    assert.equal(cache.pod('default/a')?.prefix, 'kind-control-plane');
    assert.equal(cache.pod('kube-system/b')?.name, 'kube-system/b');
  });

  it('does not answer pod() for a missing name, a non-pod, or an ambiguous pod name', () => {
    const cache = new TargetCache();
    cache.set([
      container('default/c', 'n1'),
      pod('default/twice', { prefix: 'p1' }),
      pod('default/twice', { prefix: 'p2' }),
    ]);
    assert.equal(cache.pod('default/none'), undefined);
    assert.equal(cache.pod('default/c'), undefined);
    assert.equal(cache.pod('default/twice'), undefined);
    assert.equal(cache.podMatches('default/twice').length, 2);
  });

  it('finds a target by node, prefix and name, exactly', () => {
    const cache = new TargetCache();
    cache.set([
      container('web', 'n1'),
      container('web', 'n2'),
      container('web', 'n1', 'dind'),
      pod('default/p', { nodeName: 'n1', prefix: 'kind' }),
      { name: 'systemd(1)', type: 'proc', netns: 3 },
    ]);
    assert.equal(cache.onNode('n1', '', 'web')?.nodeName, 'n1');
    assert.equal(cache.onNode('n2', '', 'web')?.nodeName, 'n2');
    assert.equal(cache.onNode('n1', 'dind', 'web')?.prefix, 'dind');
    assert.equal(cache.onNode('n1', 'kind', 'default/p')?.type, 'pod');
    assert.equal(cache.onNode('', '', 'systemd(1)')?.type, 'proc', 'absent node name and prefix are ""');
    assert.equal(cache.onNode('n3', '', 'web'), undefined);
    assert.equal(cache.onNode('n1', 'other', 'web'), undefined);
  });

  it('does not answer onNode() when the same node, prefix and name occur twice', () => {
    const cache = new TargetCache();
    cache.set([container('web', 'n1', '', { netns: 10 }), container('web', 'n1', '', { netns: 11 })]);
    assert.equal(cache.onNode('n1', '', 'web'), undefined);
    assert.equal(cache.onNodeMatches('n1', '', 'web').length, 2);
  });

  it('keys cannot collide across node, prefix and name boundaries', () => {
    const cache = new TargetCache();
    cache.set([container('c', 'a/b'), container('b/c', 'a')]);
    assert.equal(cache.onNode('a/b', '', 'c')?.nodeName, 'a/b');
    assert.equal(cache.onNode('a', '', 'b/c')?.nodeName, 'a');
  });

  it('keeps frozen copies: changing the input later changes nothing, and snapshots cannot be changed', () => {
    const cache = new TargetCache();
    const nifs = ['eth0'];
    const input: Target[] = [{ name: 'web', type: 'docker', netns: 2, nodeName: 'n1', networkInterfaces: nifs }];
    cache.set(input);
    nifs.push('eth1');
    input.pop();
    const snapshot = cache.targets();
    assert.deepEqual(snapshot[0]?.networkInterfaces, ['eth0']);
    assert.ok(Object.isFrozen(snapshot));
    assert.ok(Object.isFrozen(snapshot[0]));
    assert.ok(Object.isFrozen(snapshot[0]?.networkInterfaces));
    assert.throws(() => (snapshot as Target[]).push(pod('x')), TypeError);
    cache.set([pod('default/other')]);
    assert.equal(snapshot[0]?.name, 'web', 'an earlier snapshot stays as it was');
  });
});
