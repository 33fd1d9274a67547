// Batcher (src/nodes/lib/packet-batcher.ts): the capture node's batches of packets, sent when a
// batch is full or its time is up, whichever comes first; flush sends the rest, discard drops it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from '../../../src/nodes/lib/packet-batcher';

describe('Batcher', () => {
  it('a full batch goes at once, in order', () => {
    const sent: number[][] = [];
    const b = new Batcher<number>({ maxItems: 3, maxMs: 0 }, (items) => sent.push(items));
    for (let i = 1; i <= 7; i++) b.add(i);
    assert.deepEqual(sent, [[1, 2, 3], [4, 5, 6]]);
    b.flush();
    assert.deepEqual(sent, [[1, 2, 3], [4, 5, 6], [7]]);
    b.flush();
    assert.equal(sent.length, 3, 'nothing left: no empty batch');
  });

  it('a batch that does not fill goes when its time is up (counted from its first item)', async () => {
    const sent: string[][] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => { resolve = r; });
    const b = new Batcher<string>({ maxItems: 100, maxMs: 20 }, (items) => { sent.push(items); resolve(); });
    b.add('a');
    b.add('b');
    assert.deepEqual(sent, [], 'not yet');
    await done;
    assert.deepEqual(sent, [['a', 'b']]);
    b.add('c');
    b.flush();
    assert.deepEqual(sent, [['a', 'b'], ['c']]);
  });

  it('time alone (no count limit)', async () => {
    const sent: number[][] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => { resolve = r; });
    const b = new Batcher<number>({ maxItems: 0, maxMs: 10 }, (items) => { sent.push(items); resolve(); });
    for (let i = 0; i < 1000; i++) b.add(i);
    await done;
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.length, 1000);
  });

  it('discard drops what is pending, and its timer', async () => {
    const sent: number[][] = [];
    const b = new Batcher<number>({ maxItems: 10, maxMs: 5 }, (items) => sent.push(items));
    b.add(1);
    b.discard();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(sent, []);
  });

  it('needs a count or a time above 0', () => {
    assert.throws(() => new Batcher({ maxItems: 0, maxMs: 0 }, () => undefined), RangeError);
  });
});
