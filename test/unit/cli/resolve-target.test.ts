// Unit tests of how `csharg capture` picks its target (issue 16, item 2): exact names as csharg,
// a bare process name for its one `comm(PID)` target, ambiguity listed, closest names suggested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestNames, editDistance, resolveTarget } from '../../../src/cli/resolve-target';
import type { Target } from '../../../src/core/target';

const proc = (name: string, nodeName = 'n1'): Target => ({ name, type: 'proc', netns: 1, pid: 1, nodeName });
const bindmount = (name: string): Target => ({ name, type: 'bindmount', netns: 2, nodeName: 'n1' });
const container = (name: string): Target => ({ name, type: 'docker', netns: 3, pid: 3, nodeName: 'n1' });

const bed: Target[] = [
  proc('csharg-t1(101)'),
  proc('csharg-t2(102)'),
  proc('csharg-t3(103)'),
  proc('gostwire-v2.4.1(200)'),
  bindmount('/proc/2/ns/mnt:/run/netns/csharg-empty'),
  container('web'),
];

function resolve(targets: Target[], name: string, extra: { group?: 'pods' | 'containers' | 'networks'; node?: string } = {}): { target: Target; said: string[] } {
  const said: string[] = [];
  const target = resolveTarget(targets, { name, ...extra }, (text) => said.push(text));
  return { target, said };
}

test('an exact name is taken silently, as csharg does', () => {
  const r = resolve(bed, 'csharg-t2(102)');
  assert.equal(r.target.name, 'csharg-t2(102)');
  assert.deepEqual(r.said, []);
  assert.equal(resolve(bed, 'web').target.type, 'docker');
});

test('a bare process name takes its one comm(PID) target and says which', () => {
  const r = resolve(bed, 'csharg-t2');
  assert.equal(r.target.name, 'csharg-t2(102)');
  assert.deepEqual(r.said, ['capture target "csharg-t2": taking the process target "csharg-t2(102)"']);
  // Process names may hold parentheses themselves: only the last (PID) is cut.
  assert.equal(resolve([proc('a(b)(7)')], 'a(b)').target.name, 'a(b)(7)');
  // capture network NAME NODE narrows the same way.
  assert.equal(resolve(bed, 'csharg-t1', { group: 'networks', node: 'n1' }).target.name, 'csharg-t1(101)');
});

test('only process targets are found by their process name, and only within the group and node asked for', () => {
  assert.throws(() => resolve([container('nginx(12)')], 'nginx'), /^Error: capture target "nginx" not found/);
  assert.throws(() => resolve(bed, 'csharg-t1', { group: 'containers' }), /not found/);
  assert.throws(() => resolve(bed, 'csharg-t1', { group: 'networks', node: 'n2' }), /^Error: capture target "csharg-t1" on node "n2" not found/);
});

test('an exact full name always wins over a process name that equals it', () => {
  // `x(5)` exactly, and a process named `x(5)` whose target is `x(5)(9)`.
  const targets = [proc('x(5)(9)'), proc('x(5)')];
  const r = resolve(targets, 'x(5)');
  assert.equal(r.target.name, 'x(5)');
  assert.deepEqual(r.said, []);
  // An exact bindmount name wins too.
  assert.equal(resolve([bindmount('db'), proc('db(4)')], 'db').target.type, 'bindmount');
});

test('two process targets with the process name: an error that lists both full names', () => {
  const targets = [...bed, proc('csharg-t2(999)')];
  assert.throws(
    () => resolve(targets, 'csharg-t2'),
    (err: Error) => {
      assert.equal(
        err.message,
        'ambiguous capture target "csharg-t2": 2 process targets have that process name: "csharg-t2(102)", "csharg-t2(999)"; give the full name',
      );
      return true;
    },
  );
  // Several exact matches (the same name on two nodes) stay csharg's message.
  assert.throws(() => resolve([proc('p(1)', 'n1'), proc('p(1)', 'n2')], 'p(1)'), /^Error: ambiguous capture target "p\(1\)" matches 2 targets: name the node too$/);
});

test('an unknown name suggests the closest names; a name near nothing keeps the plain hint', () => {
  assert.throws(() => resolve(bed, 'csharg-t9'), {
    message: 'capture target "csharg-t9" not found; the closest names: "csharg-t1(101)", "csharg-t2(102)", "csharg-t3(103)"',
  });
  assert.throws(() => resolve(bed, 'CSHARG-T3'), { message: 'capture target "CSHARG-T3" not found; the closest names: "csharg-t3(103)"' });
  assert.throws(() => resolve(bed, 'gostwire'), { message: 'capture target "gostwire" not found; the closest names: "gostwire-v2.4.1(200)"' });
  assert.throws(() => resolve(bed, 'wen'), { message: 'capture target "wen" not found; the closest names: "web"' });
  assert.throws(() => resolve(bed, 'no-such-target-4711'), { message: 'capture target "no-such-target-4711" not found (csharg list shows the targets there are)' });
  assert.throws(() => resolve([], 'x'), { message: 'capture target "x" not found (discovery found no targets at all)' });
});

test('suggestions: the closest ones only, at most five, each name once', () => {
  const many = Array.from({ length: 9 }, (_, i) => proc(`web-${i}(${i + 10})`));
  assert.deepEqual(closestNames([...many, proc('web-1(11)', 'n2')], 'web-'), ['web-0(10)', 'web-1(11)', 'web-2(12)', 'web-3(13)', 'web-4(14)']);
  assert.deepEqual(closestNames([...many, proc('web-1(11)', 'n2')], 'Web-1'), ['web-1(11)']);
  assert.deepEqual(closestNames([proc('web-1(11)'), proc('webserver(3)')], 'web'), ['webserver(3)', 'web-1(11)'].sort());
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('abc', 'abc'), 0);
});
