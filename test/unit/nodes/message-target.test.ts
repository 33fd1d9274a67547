// message-target.ts: the target a message names in msg.target (an object, its JSON, a
// packetflix: link), and how a bare target stored by the picker is matched to what discovery lists.
// The name-only form asks a tank's discovery: that is tested with the real services in
// test/integration/nodered-stable-target.test.ts and nodered-capture.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureRequestError } from '../../../src/core/errors';
import type { SharkTank } from '../../../src/core/shark-tank';
import type { Target } from '../../../src/core/target';
import { AmbiguousTargetError, messageTarget, resolveBareTarget } from '../../../src/nodes/lib/message-target';

const listed: Target[] = [
  { name: 'csharg-t1(101)', type: 'proc', netns: 1001 },
  { name: 'csharg-t2(202)', type: 'proc', netns: 1002 },
  { name: 'worker(301)', type: 'proc', netns: 1003 },
  { name: 'worker(302)', type: 'proc', netns: 1004 },
  { name: 'web', type: 'docker', netns: 1005 },
  { name: 'web', type: 'docker', prefix: 'kind', netns: 1006 },
];

// messageTarget's object, JSON and link forms never reach the tank
const noTank = {} as SharkTank;

describe('resolveBareTarget', () => {
  it('the exact name, then a process by its comm whatever its PID', () => {
    assert.equal(resolveBareTarget({ name: 'csharg-t2(202)', type: 'proc' }, listed), listed[1]);
    assert.equal(resolveBareTarget({ name: 'csharg-t2', type: 'proc' }, listed), listed[1]);
    assert.equal(resolveBareTarget({ name: 'csharg-t2(999)', type: 'proc' }, listed), listed[1], 'a PID that is gone: the process of that name now');
  });

  it('prefix and type tell containers apart; a label without a type finds the nested one', () => {
    assert.equal(resolveBareTarget({ name: 'web', type: 'docker' }, listed), listed[4]);
    assert.equal(resolveBareTarget({ name: 'web', type: 'docker', prefix: 'kind' }, listed), listed[5]);
    assert.equal(resolveBareTarget({ name: 'kind:web', type: '' }, listed), listed[5]);
  });

  it('several processes of one name: ambiguous, naming them', () => {
    assert.throws(() => resolveBareTarget({ name: 'worker', type: 'proc' }, listed), (err: unknown) => err instanceof AmbiguousTargetError && err.names.join() === 'worker(301),worker(302)');
  });

  it('nothing fits: the bare target as it came (the tank reports it not found), its type kept', () => {
    const wanted = { name: 'gone', type: 'proc' };
    assert.equal(resolveBareTarget(wanted, listed), wanted);
  });

  it('a complete target (with its netns) is taken as it is', () => {
    const complete = { name: 'csharg-t2(1)', type: 'proc', netns: 77 };
    assert.equal(resolveBareTarget(complete, listed), complete);
  });
});

describe('messageTarget', () => {
  it('nothing named: undefined', async () => {
    assert.equal(await messageTarget(undefined, noTank), undefined);
    assert.equal(await messageTarget('', noTank), undefined);
  });

  it('a target object or its JSON', async () => {
    const t = { name: 'web', type: 'docker', netns: 1005 };
    assert.deepEqual((await messageTarget(t, noTank))?.target.name, 'web');
    const fromJson = await messageTarget(JSON.stringify(t), noTank);
    assert.equal(fromJson?.target.netns, 1005);
    assert.deepEqual(fromJson?.options, {});
  });

  it('a packetflix: link: its target and its capture options', async () => {
    const container = JSON.stringify({ name: 'web', type: 'docker', netns: 1005 });
    const link = `packetflix:ws://198.18.255.2:5001/capture?container=${encodeURIComponent(container)}&nif=eth0&filter=${encodeURIComponent('udp port 42001')}`;
    const m = await messageTarget(`  ${link} `, noTank);
    assert.equal(m?.target.name, 'web');
    assert.equal(m?.target.netns, 1005);
    assert.deepEqual(m?.options.nifs, ['eth0']);
    assert.equal(m?.options.filter, 'udp port 42001');
  });

  it('bad JSON and values of other types are CaptureRequestErrors', async () => {
    await assert.rejects(messageTarget('{"name":', noTank), (err: unknown) => err instanceof CaptureRequestError && /not JSON/.test(err.message));
    await assert.rejects(messageTarget(42, noTank), (err: unknown) => err instanceof CaptureRequestError && /got number/.test(err.message));
  });
});
