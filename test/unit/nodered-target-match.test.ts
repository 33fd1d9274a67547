// How the capture node finds its stored target among what discovery gives (issue 16, item 2): a
// process stored by its name alone takes the one process of that name whatever its PID; an old
// `name(PID)` is matched exactly first, then by its name after a restart; several processes of one
// name are an error naming them; the type a node was configured with stays in the not-found
// target. And what the picker offers: a process shown with its PID now, stored without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Target } from '../../src/core/target';
import { TargetNotFoundError } from '../../src/core/errors';
import { describeError } from '../../src/nodes/lib/error-status';
import { AmbiguousTargetError, resolveBareTarget } from '../../src/nodes/lib/message-target';
import { targetChoices } from '../../src/nodes/lib/target-kind';

const proc = (name: string, netns: number): Target => ({ name, type: 'proc', netns, networkInterfaces: ['lo', 'eth0'] });
const discovered: Target[] = [
  proc('csharg-t1(101)', 1),
  proc('csharg-t2(202)', 2),
  proc('worker(301)', 3),
  proc('worker(302)', 4),
  { name: 'web', type: 'docker', netns: 5 },
  { name: 'web', type: 'docker', netns: 6, prefix: 'kind' },
  { name: '/proc/2/ns/mnt:/run/netns/csharg-empty', type: 'bindmount', netns: 7 },
];

test('a process stored by its name alone takes the one process of that name, whatever its PID', () => {
  assert.equal(resolveBareTarget({ name: 'csharg-t2', type: 'proc' }, discovered).name, 'csharg-t2(202)');
  const restarted = discovered.map((t) => (t.name === 'csharg-t2(202)' ? proc('csharg-t2(999)', 2) : t));
  assert.equal(resolveBareTarget({ name: 'csharg-t2', type: 'proc' }, restarted).name, 'csharg-t2(999)');
  // A message's bare name (no type) the same way.
  assert.equal(resolveBareTarget({ name: 'csharg-t2', type: '' }, restarted).name, 'csharg-t2(999)');
});

test('an old flow\'s name(PID): that exact process first; after a restart the one process of its name', () => {
  const both = [...discovered, proc('csharg-t1(555)', 8)];
  assert.equal(resolveBareTarget({ name: 'csharg-t1(555)', type: 'proc' }, both).netns, 8, 'the exact full name wins over a shared name');
  const restarted = discovered.map((t) => (t.name === 'csharg-t1(101)' ? proc('csharg-t1(777)', 1) : t));
  assert.equal(resolveBareTarget({ name: 'csharg-t1(101)', type: 'proc' }, restarted).name, 'csharg-t1(777)');
});

test('several processes of the stored name: an ambiguous-target error naming each', () => {
  assert.throws(() => resolveBareTarget({ name: 'worker', type: 'proc' }, discovered), (err: unknown) => {
    assert.ok(err instanceof AmbiguousTargetError && err instanceof TargetNotFoundError);
    assert.equal(err.matches, 2);
    assert.match(err.message, /"worker\(301\)", "worker\(302\)"/);
    assert.equal(describeError(err).reason, 'ambiguous target');
    return true;
  });
  // An old worker(301) gone: two others of its name are still ambiguous, not a guess.
  const gone = [...discovered.filter((t) => t.name !== 'worker(301)'), proc('worker(303)', 9)];
  assert.throws(() => resolveBareTarget({ name: 'worker(301)', type: 'proc' }, gone), AmbiguousTargetError);
});

test('nothing fits: the bare target goes on with the type it was configured with', () => {
  const none = resolveBareTarget({ name: 'csharg-t9', type: 'proc' }, discovered);
  assert.deepEqual(none, { name: 'csharg-t9', type: 'proc' });
  // A container name is never taken for a process and the other way round.
  assert.deepEqual(resolveBareTarget({ name: 'csharg-t1', type: 'docker' }, discovered), { name: 'csharg-t1', type: 'docker' });
  assert.equal(resolveBareTarget({ name: 'web', type: 'docker', prefix: 'kind' }, discovered).netns, 6);
  assert.equal(resolveBareTarget({ name: 'kind:web', type: '' }, discovered).netns, 6, 'a message may name prefix:name');
});

test('the picker: a process shows its PID beside its name and is stored without it; shared names keep theirs', () => {
  const choices = targetChoices(discovered);
  const t2 = choices.find((c) => c.pid === 202)!;
  assert.equal(t2.label, 'csharg-t2 (PID 202)');
  assert.equal(t2.name, 'csharg-t2');
  assert.deepEqual(t2.target, { name: 'csharg-t2', type: 'proc' });
  const workers = choices.filter((c) => c.name.startsWith('worker'));
  assert.deepEqual(workers.map((c) => c.target.name), ['worker(301)', 'worker(302)']);
  assert.deepEqual(workers.map((c) => c.label), ['worker(301)', 'worker(302)']);
  // What is stored resolves back to the same target.
  // What is stored resolves back to one target each: every discovered target, once.
  const back = choices.map((c) => resolveBareTarget({ ...c.target }, discovered).netns);
  assert.deepEqual(back.sort(), discovered.map((t) => t.netns).sort());
});
