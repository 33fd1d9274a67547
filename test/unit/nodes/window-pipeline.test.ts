// WindowPipeline (src/nodes/lib/window-pipeline.ts): a node's windowed operator pipeline fed
// message by message; flush() (or a pause) completes it so that the open window comes out, and
// the next packet starts a new pipeline; stop() ends it without output.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { decode } from '../../../src/core/decode';
import type { DecodedPacket } from '../../../src/core/decode';
import type { WindowStats } from '../../../src/core/analysis/window-stats';
import { windowStats } from '../../../src/rx/stats';
import { WindowPipeline } from '../../../src/nodes/lib/window-pipeline';
import { packetsOf } from '../analysis/packet-fixtures';

const T0 = 1_700_000_000_000;

function packets(ms: number[]): DecodedPacket[] {
  return packetsOf(ms.map((m) => ({ ms: m })), { ifaces: ['eth0'] }).map(decode);
}

function pipeline(idleMs = 60_000): { p: WindowPipeline<WindowStats>; out: WindowStats[]; errors: unknown[] } {
  const out: WindowStats[] = [];
  const errors: unknown[] = [];
  const p = new WindowPipeline<WindowStats>((s) => s.pipe(windowStats(1000)), (w) => out.push(w), (e) => errors.push(e), idleMs);
  return { p, out, errors };
}

describe('WindowPipeline', () => {
  it('windows close as packet time passes them; flush emits the open one', () => {
    const { p, out } = pipeline();
    p.push(packets([T0 + 100, T0 + 900]));
    assert.equal(out.length, 0);
    p.push(packets([T0 + 1_100]));
    assert.deepEqual(out.map((w) => [w.start, w.packets]), [[T0, 2]]);
    p.flush();
    assert.deepEqual(out.map((w) => [w.start, w.packets]), [[T0, 2], [T0 + 1000, 1]]);
    p.stop();
  });

  it('after a flush the next packet starts afresh (windows still on multiples of their length)', () => {
    const { p, out } = pipeline();
    p.push(packets([T0 + 10]));
    p.flush();
    p.push(packets([T0 + 5_250]));
    p.flush();
    assert.deepEqual(out.map((w) => [w.start, w.packets]), [[T0, 1], [T0 + 5_000, 1]]);
  });

  it('a pause of idleMs flushes by itself; cancelIdle keeps the window open', async () => {
    const { p, out } = pipeline(10);
    p.push(packets([T0]));
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(out.length, 1);
    p.push(packets([T0 + 2_000]));
    p.cancelIdle();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(out.length, 1);
    p.stop();
    assert.equal(out.length, 1, 'stop emits nothing');
  });

  it('running: from the first packet pushed until a flush, a pause flush, a stop or an error', async () => {
    const { p } = pipeline(10);
    assert.equal(p.running, false);
    p.push([]);
    assert.equal(p.running, false, 'no packets start nothing');
    p.push(packets([T0]));
    assert.equal(p.running, true);
    p.flush();
    assert.equal(p.running, false, 'after a flush');
    p.push(packets([T0 + 1]));
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(p.running, false, 'after a pause flush');
    p.push(packets([T0 + 2]));
    p.stop();
    assert.equal(p.running, false, 'after a stop');
    const failing = new WindowPipeline<number>((s) => s.pipe(map(() => {
      throw new Error('boom');
    })), () => undefined, () => undefined, 60_000);
    failing.push(packets([T0]));
    assert.equal(failing.running, false, 'after an error');
  });

  it('no packets: nothing starts, nothing comes out', () => {
    const { p, out } = pipeline();
    p.push([]);
    p.flush();
    assert.deepEqual(out, []);
  });

  it('an operator error goes to onError, and the next packet starts a new pipeline', () => {
    const errors: unknown[] = [];
    let n = 0;
    const p = new WindowPipeline<number>((s) => s.pipe(map(() => {
      if (++n === 1) throw new Error('boom');
      return n;
    })), () => undefined, (e) => errors.push(e), 60_000);
    p.push(packets([T0]));
    assert.equal((errors[0] as Error).message, 'boom');
    p.push(packets([T0 + 1]));
    assert.equal(errors.length, 1);
    p.stop();
  });
});
