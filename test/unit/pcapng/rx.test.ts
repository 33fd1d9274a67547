import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Observable, concat, firstValueFrom, from, lastValueFrom, of, throwError, toArray } from 'rxjs';
import { PcapngFormatError } from '../../../src/core/pcapng';
import type { Packet } from '../../../src/core/pcapng';
import { packets, pcapngBlocks, toPcapng } from '../../../src/rx/pcapng';
import { chunked, idb } from './build';
import { sample } from './sample';
import { packetSummary } from './summary';

const bytes = sample(true).bytes;

test('pcapngBlocks and packets: same results from chunks or from blocks, cold', async () => {
  const chunks$ = from(chunked(bytes, [5, 17, 300]));
  const blocks = await lastValueFrom(chunks$.pipe(pcapngBlocks(), toArray()));
  assert.deepEqual(blocks.map((b) => b.kind), sample(true).kinds);
  const direct = await lastValueFrom(chunks$.pipe(packets(), toArray()));
  const viaBlocks = await lastValueFrom(chunks$.pipe(pcapngBlocks(), packets(), toArray()));
  assert.equal(direct.length, sample(true).packets.length);
  assert.deepEqual(viaBlocks.map(packetSummary), direct.map(packetSummary));
});

test('format errors and truncation reach the error callback', async () => {
  const bad = Buffer.concat([idb(true, 1, 0)]);
  await assert.rejects(lastValueFrom(of(bad).pipe(pcapngBlocks())), PcapngFormatError);
  await assert.rejects(lastValueFrom(of(bytes.subarray(0, 100)).pipe(packets())), (e: unknown) => e instanceof PcapngFormatError && /ends inside a block/.test(e.message));
  await assert.rejects(lastValueFrom(concat(of(bytes), throwError(() => new Error('socket gone'))).pipe(packets())), /socket gone/);
});

test('unsubscribing stops reading the source', async () => {
  let pulled = 0;
  const source = new Observable<Buffer>((s) => {
    for (const c of chunked(bytes, [64])) {
      if (s.closed) return;
      pulled++;
      s.next(c);
    }
    s.complete();
  });
  const first = await firstValueFrom(source.pipe(packets()));
  assert.equal(first.interfaceName, 'eth0');
  assert.ok(pulled < chunked(bytes, [64]).length);
});

test('toPcapng writes a stream that reads back as the same packets', async () => {
  const all = await lastValueFrom(from([bytes]).pipe(packets(), toArray()));
  const out = await lastValueFrom(from(all).pipe(toPcapng({ littleEndian: false }), toArray()));
  const back: Packet[] = await lastValueFrom(from(out).pipe(packets(), toArray()));
  const fields = (p: Packet): unknown[] => [p.interfaceName, p.linkType, p.capturedLength, p.originalLength, p.data.toString('hex')];
  assert.deepEqual(back.map(fields), all.map(fields));
  const empty = await lastValueFrom(from([] as Packet[]).pipe(toPcapng(), toArray()));
  assert.equal(empty.length, 1, 'an empty capture is still one SHB');
});
