// captureSettings (src/nodes/lib/capture-settings.ts): the capture dialog's settings, checked at
// deploy: target, interfaces, filter, stop conditions, start, output form and batch sizes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureSettingError, captureSettings, storedTarget } from '../../../src/nodes/lib/capture-settings';

describe('captureSettings', () => {
  it('defaults: no target (from msg.target), every interface, no stop, started on deploy, batches of 100 or 1 s', () => {
    assert.deepEqual(captureSettings({}), {
      target: undefined, options: {}, stop: { durationMs: 0, packets: 0, bytes: 0 }, startOnDeploy: true, output: 'batches', batchPackets: 100, batchMs: 1000,
    });
  });

  it('every field set, as the dialog stores them (text)', () => {
    const s = captureSettings({
      target: '{"name":"csharg-t2","type":"proc"}', interfaces: 'eth0, lo', filter: ' udp port 42001 ', noPromiscuous: true,
      stopAfter: '1m30s', stopPackets: '25', stopBytes: '4096', start: 'msg', output: 'packets', batchPackets: '', batchMs: '',
    });
    assert.deepEqual(s.target, { name: 'csharg-t2', type: 'proc' });
    assert.deepEqual(s.options, { nifs: ['eth0', 'lo'], filter: 'udp port 42001', avoidPromiscuousMode: true });
    assert.deepEqual(s.stop, { durationMs: 90_000, packets: 25, bytes: 4096 });
    assert.equal(s.startOnDeploy, false);
    assert.equal(s.output, 'packets');
  });

  it('interfaces as a list; "all" means the target\'s own', () => {
    assert.deepEqual(captureSettings({ interfaces: ['eth0', ' eth1 '] }).options, { nifs: ['eth0', 'eth1'] });
    assert.deepEqual(captureSettings({ interfaces: ['all', 'eth0'] }).options, {});
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown output', { output: 'frames' }, /^output: expected one of chunks, blocks, packets, batches/],
    ['a negative count', { stopPackets: '-1' }, /^stopPackets: expected a whole number >= 0, got "-1"/],
    ['a fractional byte count', { stopBytes: '1.5' }, /^stopBytes/],
    ['a duration without unit', { stopAfter: 'soon' }, /^stopAfter: /],
    ['a duration of another type', { stopAfter: true }, /^stopAfter: expected a duration such as 10s, got boolean/],
    ['batches of nothing', { output: 'batches', batchPackets: '0', batchMs: '0' }, /^batchPackets: batches need a packet count or a time span/],
    ['a target that is no JSON', { target: '{name' }, /^target: /],
  ];
  for (const [what, def, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => captureSettings(def), (err: unknown) => err instanceof CaptureSettingError && message.test(err.message));
    });
  }

  it('a stored target as an object too; nothing stored is undefined', () => {
    assert.deepEqual(storedTarget({ name: 'web', type: 'docker' }), { name: 'web', type: 'docker' });
    assert.equal(storedTarget(''), undefined);
    assert.equal(storedTarget(null), undefined);
  });
});
