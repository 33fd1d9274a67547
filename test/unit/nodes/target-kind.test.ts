// target-kind.ts: the kinds the editor groups targets by, the `prefix:name` label, and what the
// picker shows and stores for a target (a process by its name without the PID unless shared).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Target } from '../../../src/core/target';
import { kindOf, targetChoice, targetChoices, targetLabel } from '../../../src/nodes/lib/target-kind';

const proc = (name: string, extra: Partial<Target> = {}): Target => ({ name, type: 'proc', netns: 4026532000, networkInterfaces: ['eth0', 'lo'], ...extra });

describe('target kinds and labels', () => {
  it('pod, process, namespace (bind mount), container (any engine)', () => {
    assert.equal(kindOf({ name: 'ns/web', type: 'pod' }), 'pod');
    assert.equal(kindOf({ name: 'x(1)', type: 'proc' }), 'process');
    assert.equal(kindOf({ name: '/run/netns/a', type: 'bindmount' }), 'namespace');
    assert.equal(kindOf({ name: 'web', type: 'docker' }), 'container');
    assert.equal(kindOf({ name: 'web', type: 'containerd' }), 'container');
  });

  it('a label has the prefix of a nested engine\'s container', () => {
    assert.equal(targetLabel({ name: 'web', type: 'docker' }), 'web');
    assert.equal(targetLabel({ name: 'web', type: 'docker', prefix: 'kind-control-plane' }), 'kind-control-plane:web');
  });
});

describe('targetChoice / targetChoices', () => {
  it('a process: shown with its PID, stored by its name alone; interfaces sorted', () => {
    const c = targetChoice(proc('csharg-t2(4242)', { networkInterfaces: ['lo', 'eth0'] }));
    assert.deepEqual(c, { kind: 'process', label: 'csharg-t2 (PID 4242)', name: 'csharg-t2', pid: 4242, target: { name: 'csharg-t2', type: 'proc' }, interfaces: ['eth0', 'lo'] });
    assert.doesNotThrow(() => JSON.stringify(c));
  });

  it('processes that share a name are stored by their full name(PID)', () => {
    const choices = targetChoices([proc('worker(20)'), proc('worker(10)'), proc('solo(5)')]);
    assert.deepEqual(choices.map((c) => [c.label, c.target.name]), [['solo (PID 5)', 'solo'], ['worker(10)', 'worker(10)'], ['worker(20)', 'worker(20)']]);
  });

  it('sorted by kind (pod, container, process, namespace), then label', () => {
    const choices = targetChoices([
      { name: '/run/netns/b', type: 'bindmount' }, proc('p(3)'), { name: 'zeta', type: 'docker' }, { name: 'ns/pod', type: 'pod' }, { name: 'alpha', type: 'docker', prefix: 'kind' },
    ]);
    assert.deepEqual(choices.map((c) => c.label), ['ns/pod', 'kind:alpha', 'zeta', 'p (PID 3)', '/run/netns/b']);
    assert.deepEqual(choices[1]!.target, { name: 'alpha', type: 'docker', prefix: 'kind' });
  });
});
