// capturePackets on this machine's local source: live packets with exact timestamps, interface
// names and the section's target metadata, for the datagrams the generator sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { capturePackets, newLocalSharkTank, targets } from '../../src/index';
import { bedAddress, bedNamespace, requireBed, sendUdp } from '../support/testbed';

test('capturePackets(localTank, t2) emits the UDP datagrams sent from t1, then stops on unsubscribe', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank();
  const t2 = bedNamespace(bed, 't2');
  const target = (await firstValueFrom(targets(tank))).find((x) => x.netns === t2.netns);
  assert.ok(target, 'discovery lists t2');
  const before = BigInt(Date.now()) * 1_000_000n;
  const received = lastValueFrom(capturePackets(tank, target, { nifs: ['eth0'], filter: 'udp port 9994' }).pipe(take(30), toArray()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await sendUdp({ from: 't1', to: 't2', count: 30, rate: 300, size: 20, port: 9994 });
  const packets = await received;
  assert.equal(packets.length, 30);
  const src = bedAddress(bed, 't1').split('.').map(Number);
  for (const p of packets) {
    assert.equal(p.interfaceName, 'eth0');
    assert.equal(p.linkType, 1);
    assert.ok(p.timestampNs !== null && p.timestampNs > before, 'timestamp is exact ns after the start');
    // Ethernet (14) + IPv4 source address at offset 12 of the IP header.
    assert.deepEqual([...p.data.subarray(26, 30)], src);
    assert.equal(p.capturedLength, 14 + 20 + 8 + 20);
    assert.match(p.target?.['container-name'] ?? '', /^csharg-t2\(/);
  }
});
