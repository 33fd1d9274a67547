import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';
import { TargetNotFoundError } from '../../../src/core/errors';
import { FleetConfigError, FleetDiscoveryError, FleetRoutingError, newSharkTankFleet } from '../../../src/core/host/fleet-shark-tank';
import type { FleetMemberFailure } from '../../../src/core/host/fleet-shark-tank';
import type { SharkTank } from '../../../src/core/shark-tank';
import type { Target } from '../../../src/core/target';

interface FakeTank extends SharkTank {
  captured: string[];
  failDiscovery: boolean;
}

/** A tank with fixed targets; its captures end at once as completed, recording the target name. */
function fakeTank(description: string, targets: Target[], nodeName?: string): FakeTank {
  const tank: FakeTank = {
    description,
    captured: [],
    failDiscovery: false,
    targets: () => (tank.failDiscovery ? Promise.reject(new Error(`${description} is down`)) : Promise.resolve(targets.map((t) => Object.freeze({ ...t })))),
    clear: () => undefined,
    openCapture(target: Target, _options, handlers: CaptureHandlers): CaptureSession {
      tank.captured.push(target.name);
      queueMicrotask(() => handlers.onEnd({ kind: 'completed' }));
      return { stop: () => Promise.resolve<CaptureEnd>({ kind: 'completed' }), pause: () => undefined, resume: () => undefined };
    },
  };
  if (nodeName !== undefined) Object.assign(tank, { nodeName });
  return tank;
}

function captureEnd(tank: SharkTank, target: Target): Promise<CaptureEnd> {
  return new Promise((resolve) => tank.openCapture(target, {}, { onChunk: () => undefined, onEnd: resolve }));
}

const t = (name: string, nodeName: string, netns = 1): Target => ({ name, type: 'docker', netns, pid: 10, nodeName });

test('a fleet lists every member\'s targets and routes each capture to the member it came from', async () => {
  const a = fakeTank('http://a:5001', [t('web', 'a'), t('db', 'a', 2)]);
  const b = fakeTank('http://b:5001', [t('web', 'b')]);
  const fleet = newSharkTankFleet([a, b]);
  const all = await fleet.targets();
  assert.deepEqual(all.map((x) => `${x.nodeName}/${x.name}`), ['a/web', 'a/db', 'b/web']);
  for (const target of all) assert.deepEqual(await captureEnd(fleet, target), { kind: 'completed' });
  assert.deepEqual(a.captured, ['web', 'db']);
  assert.deepEqual(b.captured, ['web']);
  assert.match(fleet.description, /fleet of 2 \(http:\/\/a:5001, http:\/\/b:5001\)/);
});

test('a fleet routes copies and bare targets by node name, and bare targets without one by discovery', async () => {
  const a = fakeTank('A', [t('web', 'a')]);
  const b = fakeTank('B', [t('web', 'b'), t('cache', 'b', 3)]);
  const fleet = newSharkTankFleet([a, b]);
  // never discovered through the fleet: it discovers to learn which member serves node b
  assert.equal((await captureEnd(fleet, { name: 'web', type: '', nodeName: 'b' })).kind, 'completed');
  assert.equal((await captureEnd(fleet, { name: 'cache', type: 'docker' })).kind, 'completed');
  assert.deepEqual(b.captured, ['web', 'cache']);
  const ambiguous = await captureEnd(fleet, { name: 'web', type: '' });
  assert.ok(ambiguous.kind === 'error' && ambiguous.error instanceof TargetNotFoundError && ambiguous.error.matches === 2);
  const unknownNode = await captureEnd(fleet, { name: 'web', type: '', nodeName: 'zz' });
  assert.ok(unknownNode.kind === 'error' && unknownNode.error instanceof FleetRoutingError && unknownNode.error.members === 0);
  assert.deepEqual(a.captured, []);
});

test('a member whose discovery fails costs its targets and a warning; all failing is an error', async () => {
  const a = fakeTank('A', [t('web', 'a')]);
  const b = fakeTank('B', [t('web', 'b')]);
  b.failDiscovery = true;
  const warned: FleetMemberFailure[] = [];
  const fleet = newSharkTankFleet([a, b], { onWarning: (w) => warned.push(w) });
  assert.deepEqual((await fleet.targets()).map((x) => x.nodeName), ['a']);
  assert.deepEqual(warned.map((w) => [w.member, w.error.message]), [['B', 'B is down']]);
  assert.equal(fleet.warnings.length, 1);
  a.failDiscovery = true;
  await assert.rejects(fleet.targets(), (e: unknown) => e instanceof FleetDiscoveryError && e.code === 'FLEET_DISCOVERY' && e.failures.length === 2 && /A is down.*B is down/.test(e.message));
});

test('a fleet needs members with distinct node names', () => {
  assert.throws(() => newSharkTankFleet([]), (e: unknown) => e instanceof FleetConfigError && /at least one/.test(e.message));
  assert.throws(() => newSharkTankFleet([fakeTank('x', [], 'same'), fakeTank('y', [], 'same')]), /two members serve node "same"/);
  assert.throws(() => newSharkTankFleet(['ftp://nope']), /scheme|URL|ftp/i);
});

test('a fleet of one routes everything to it; a member known by node name routes without discovery', async () => {
  const solo = fakeTank('solo', [], 'n1');
  const fleet = newSharkTankFleet([solo, fakeTank('other', [], 'n2')]);
  assert.equal((await captureEnd(fleet, { name: 'whatever', type: 'proc', nodeName: 'n1' })).kind, 'completed');
  assert.deepEqual(solo.captured, ['whatever']);
  const one = fakeTank('one', []);
  assert.equal((await captureEnd(newSharkTankFleet([one]), { name: 'x', type: '' })).kind, 'completed');
  assert.deepEqual(one.captured, ['x']);
});
