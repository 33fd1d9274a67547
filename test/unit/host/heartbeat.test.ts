// Unit: the heartbeat's timing rule on mocked timers: a ping every interval, silence declared a
// whole interval after a ping with nothing heard, never while suspended, never after stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Heartbeat } from '../../../src/core/host/heartbeat';

describe('Heartbeat', () => {
  const setup = (t: { mock: { timers: { enable(o: { apis: ['setInterval'] }): void } } }, intervalMs = 100) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const events: string[] = [];
    const beat = new Heartbeat(intervalMs, { ping: () => events.push('ping'), silent: () => events.push('silent') });
    return { beat, events };
  };

  it('pings every interval and declares silence one interval after an unanswered ping', (t) => {
    const { beat, events } = setup(t);
    beat.start();
    t.mock.timers.tick(100);
    assert.deepEqual(events, ['ping']);
    t.mock.timers.tick(100);
    assert.deepEqual(events, ['ping', 'silent']);
    t.mock.timers.tick(1_000);
    assert.deepEqual(events, ['ping', 'silent'], 'silent is reported once');
  });

  it('anything heard between ticks keeps it alive', (t) => {
    const { beat, events } = setup(t);
    beat.start();
    for (let i = 0; i < 10; i++) {
      t.mock.timers.tick(100);
      beat.heard();
    }
    assert.equal(events.filter((e) => e === 'silent').length, 0);
    assert.equal(events.length, 10);
  });

  it('suspend stops the checks; start resumes them as if just heard', (t) => {
    const { beat, events } = setup(t);
    beat.start();
    t.mock.timers.tick(100);
    beat.suspend();
    t.mock.timers.tick(1_000);
    assert.deepEqual(events, ['ping']);
    beat.start();
    t.mock.timers.tick(100);
    assert.deepEqual(events, ['ping', 'ping']);
  });

  it('0 is off, and stop is final', (t) => {
    const { beat, events } = setup(t);
    const off = new Heartbeat(0, { ping: () => events.push('off ping'), silent: () => events.push('off silent') });
    off.start();
    t.mock.timers.tick(10_000);
    assert.deepEqual(events, []);
    beat.stop();
    beat.start();
    t.mock.timers.tick(1_000);
    assert.deepEqual(events, []);
  });

  it('a ping that throws (socket going away) is not an error of the heartbeat', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let silent = 0;
    const beat = new Heartbeat(50, { ping: () => { throw new Error('not open'); }, silent: () => silent++ });
    beat.start();
    t.mock.timers.tick(50);
    t.mock.timers.tick(50);
    assert.equal(silent, 1);
  });
});
