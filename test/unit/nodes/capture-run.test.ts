// The capture node's stop conditions (src/nodes/lib/capture-run.ts stopOperators) are the
// library's operators (stopAfterPackets, stopAfterBytes, stopAfter), applied to the capture's
// pcapng chunks: here on a pcapng stream cut into uneven chunks (no capture beneath, so they
// complete as take would). The live node with these stops runs in
// test/integration/nodered-capture.test.ts and nodered-capture-stops.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, toArray } from 'rxjs';
import { PcapngPacketReader, PcapngReader } from '../../../src/core/pcapng';
import { stopOperators } from '../../../src/nodes/lib/capture-run';
import type { StopConditions } from '../../../src/nodes/lib/capture-settings';
import { pcapngOf } from '../analysis/packet-fixtures';

const STREAM = pcapngOf(Array.from({ length: 10 }, (_, i) => ({ ms: 1_700_000_000_000 + i, payload: 50 + i * 10 })), { ifaces: ['eth0'] });

function chunks(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, size = 7; at < bytes.length; at += size, size = (size * 3) % 97 + 5) out.push(bytes.subarray(at, at + size));
  return out;
}

async function stopped(stop: Partial<StopConditions>): Promise<Buffer> {
  const ops = stopOperators({ durationMs: 0, packets: 0, bytes: 0, ...stop });
  return Buffer.concat(await lastValueFrom(from(chunks(STREAM)).pipe(ops.duration, ops.packets, ops.bytes, toArray())));
}

/** Where each block of the stream ends. */
function blockEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  let at = 0;
  for (const b of new PcapngReader().push(bytes)) ends.push((at += b.raw.length));
  return ends;
}

describe('the capture node\'s stop conditions', () => {
  it('none set: the stream passes whole', async () => {
    assert.ok((await stopped({})).equals(STREAM));
  });

  it('a packet count: the output ends with that packet\'s block', async () => {
    const out = await stopped({ packets: 3 });
    const reader = new PcapngPacketReader();
    const packets = reader.push(out);
    reader.end();
    assert.equal(packets.length, 3);
    assert.ok(STREAM.subarray(0, out.length).equals(out), 'a prefix of the stream');
    assert.ok(blockEnds(STREAM).includes(out.length), 'cut at a block boundary');
  });

  it('a byte count: bytes of whole pcapng blocks, at most that many, never inside a block', async () => {
    const ends = blockEnds(STREAM);
    for (const n of [ends[2]! + 1, ends[4]!, ends[6]! - 1]) {
      const out = await stopped({ bytes: n });
      assert.ok(out.length <= n, `${out.length} <= ${n}`);
      assert.ok(ends.includes(out.length), 'cut at a block boundary');
      const next = ends[ends.indexOf(out.length) + 1]!;
      assert.ok(next > n, 'the next block would not have fitted');
      assert.ok(STREAM.subarray(0, out.length).equals(out));
    }
  });

  it('a byte count smaller than the headers: the section and interface headers all the same', async () => {
    const out = await stopped({ bytes: 10 });
    const kinds = new PcapngReader().push(out).map((b) => b.kind);
    assert.deepEqual(kinds, ['shb', 'idb']);
  });

  it('packets and bytes together: whichever comes first', async () => {
    const ends = blockEnds(STREAM);
    assert.equal((await stopped({ packets: 2, bytes: ends[6]! })).length, ends[3]);
    assert.equal((await stopped({ packets: 8, bytes: ends[3]! })).length, ends[3]);
  });
});
