// The library's stop conditions against the bed's REAL Packetflix (svc1): placed after packets()
// and decode() — where an unsubscribe would cut the capture off — stopAfter still stops the
// capture gracefully (the capture's own end travels through the pipe before the stream completes,
// no datagram is missing between the first and the last, and the server's dumpcap is gone
// afterwards because our Close reached it);
// stopAfterPackets gives exactly n packets; stopAfterBytes gives whole blocks within n bytes that
// tshark reads. UDP ports 41000-41099 are this file's; every capture filters on its port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { lastValueFrom, map, tap, toArray } from 'rxjs';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { decode } from '../../src/rx/decode';
import { stopAfterBytes, stopAfterPackets } from '../../src/rx/limits';
import { packets } from '../../src/rx/pcapng';
import { capture } from '../../src/rx/shark-tank';
import { stopAfter } from '../../src/rx/stop-after';
import { packetflixPid, serviceDumpcapStarted, tempDir } from '../support/cli-host';
import { processGone } from '../support/processes';
import { keeperName, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

async function t2Of(bed: BedEnv): Promise<{ tank: ReturnType<typeof newSharkTankOnHost>; t2: Target }> {
  const tank = newSharkTankOnHost(serviceUrl(bed));
  const name = keeperName(bed, 't2');
  const t2 = (await tank.targets()).find((t) => t.name === name);
  assert.ok(t2, `discovery lists ${name}`);
  return { tank, t2 };
}

test('stopAfter after packets() and decode() stops the real capture gracefully: the capture\'s end comes through the pipe first, none missing, the server\'s dumpcap gone', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const { tank, t2 } = await t2Of(bed);
  const port = 41001;
  const events: string[] = [];
  let stopAskedAt: number | undefined;
  const arrivals: { seq: number; at: number }[] = [];
  const done = lastValueFrom(
    capture(tank, t2, { nifs: ['eth0'], filter: `udp port ${port}` }).pipe(
      tap({ complete: () => events.push('capture ended') }),
      packets(),
      decode(),
      stopAfter(6000, { onStop: () => { stopAskedAt = Date.now(); events.push('stop asked'); } }),
      tap((p) => {
        const payload = p.udp?.payload;
        if (payload && payload.length >= 4) arrivals.push({ seq: payload.readUInt32BE(0), at: Date.now() });
      }),
      toArray(),
    ),
  ).then((all) => {
    events.push('stream completed');
    return all;
  });
  const dumpcap = await serviceDumpcapStarted(packetflixPid(bed), `udp port ${port}`);
  // Traffic that runs on past the deadline: 2000 datagrams/s until well after the stop.
  const traffic = sendUdp({ from: 't1', to: 't2', count: 20_000, rate: 2000, size: 16, port });
  await done;
  await traffic;
  assert.ok(stopAskedAt !== undefined, 'the duration ran out');
  // An unsubscribe (takeUntil) would complete the stream at once and never see the capture end.
  assert.deepEqual(events, ['stop asked', 'capture ended', 'stream completed']);
  t.diagnostic(`${arrivals.length} packets; ${arrivals.filter((a) => a.at >= stopAskedAt!).length} arrived after the stop was asked for`);
  const seqs = arrivals.map((a) => a.seq);
  assert.ok(seqs.length > 100, `${seqs.length} packets`);
  const first = seqs[0]!;
  assert.deepEqual(seqs, seqs.map((_, i) => first + i), 'no datagram missing between the first and the last captured');
  assert.ok(seqs.at(-1)! < 20_000 - 1, 'the capture stopped while traffic still ran');
  await processGone(dumpcap.pid);
});

test('stopAfterPackets(7) after packets() gives exactly 7 packets of the real capture, then the server\'s dumpcap is gone', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const { tank, t2 } = await t2Of(bed);
  const port = 41002;
  const done = lastValueFrom(
    capture(tank, t2, { nifs: ['eth0'], filter: `udp port ${port}` }).pipe(packets(), stopAfterPackets(7), map((p) => p.capturedLength), toArray()),
  );
  const dumpcap = await serviceDumpcapStarted(packetflixPid(bed), `udp port ${port}`);
  await sendUdp({ from: 't1', to: 't2', count: 200, rate: 400, size: 8, port });
  const got = await done;
  assert.equal(got.length, 7);
  await processGone(dumpcap.pid);
});

test('stopAfterBytes(2500) on the real capture\'s chunks: whole blocks within 2500 bytes, a file tshark reads, the server\'s dumpcap gone', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const { tank, t2 } = await t2Of(bed);
  const port = 41003;
  const file = path.join(tempDir(t, 'csharg-rx-stop-'), 'bytes.pcapng');
  const done = lastValueFrom(capture(tank, t2, { nifs: ['eth0'], filter: `udp port ${port}` }).pipe(stopAfterBytes(2500), toArray()));
  const dumpcap = await serviceDumpcapStarted(packetflixPid(bed), `udp port ${port}`);
  await sendUdp({ from: 't1', to: 't2', count: 300, rate: 400, size: 8, port });
  writeFileSync(file, Buffer.concat(await done));
  const size = statSync(file).size;
  assert.ok(size <= 2500, `${size} bytes`);
  const rows = await tsharkFields(file, ['udp.dstport']);
  assert.ok(rows.length > 0, 'packets in the file');
  assert.ok(rows.every((r) => r[0] === String(port)));
  // The next packet block would not have fitted: the cut is at the last whole block within the limit.
  assert.ok(2500 - size < 200, `${2500 - size} bytes left unused`);
  await processGone(dumpcap.pid);
});
