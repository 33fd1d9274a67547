// A capture server (test/support/garbage-capture-server.ts, not Packetflix) that sends bytes that
// are not pcapng. Expected in advance: capturePackets errors with PcapngFormatError naming the
// byte offset where the stream stops being pcapng; following such a capture stops at once
// (retrying cannot fix a broken stream); nothing is left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom, toArray } from 'rxjs';
import { CaptureFollowError } from '../../src/core/follow/errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { PcapngFormatError } from '../../src/core/pcapng';
import type { Target } from '../../src/core/target';
import { capturePackets } from '../../src/rx/capture-packets';
import { captureFollow } from '../../src/rx/follow';
import { capture } from '../../src/rx/shark-tank';
import { startGarbageCaptureServer } from '../support/garbage-capture-server';

// A discovered target, so that no discovery request is made.
const target: Target = { name: 'csharg-t1', type: 'proc', netns: 4026531840, pid: 1, starttime: 1, prefix: '', networkInterfaces: ['lo'] };

test('a server that sends HTML instead of pcapng: PcapngFormatError at offset 0', async (t) => {
  const server = await startGarbageCaptureServer('html', 26101);
  t.after(() => server.close());
  const tank = newSharkTankOnHost(server.url);
  await assert.rejects(lastValueFrom(capturePackets(tank, target).pipe(toArray())), (e: unknown) => {
    assert.ok(e instanceof PcapngFormatError, String(e));
    assert.equal(e.offset, 0);
    assert.equal(e.code, 'PCAPNG_FORMAT');
    return true;
  });
});

test('a server whose stream breaks after a valid header: PcapngFormatError at the broken block', async (t) => {
  const server = await startGarbageCaptureServer('after-header', 26102);
  t.after(() => server.close());
  const tank = newSharkTankOnHost(server.url);
  // The client edits the SHB comment, so offsets in what it reads are shifted by that edit.
  const received = Buffer.concat(await lastValueFrom(capture(tank, target).pipe(toArray())));
  const shift = received.length - server.payload.length;
  assert.ok(shift > 0, 'the client added its capture target comment to the SHB');
  await assert.rejects(lastValueFrom(capturePackets(tank, target).pipe(toArray())), (e: unknown) => {
    assert.ok(e instanceof PcapngFormatError, String(e));
    assert.equal(e.offset, server.badOffset + shift);
    assert.match(e.message, /block length 13|multiple of 4/);
    return true;
  });
});

test('following a capture whose stream is not pcapng stops at once and says why', async (t) => {
  const server = await startGarbageCaptureServer('html', 26103);
  t.after(() => server.close());
  const tank = newSharkTankOnHost(server.url);
  const follow = captureFollow(tank, target, {}, { backoff: { initialMs: 10, maxMs: 100, factor: 2 }, watchIntervalMs: 0 });
  await assert.rejects(lastValueFrom(follow.pipe(toArray())), (e: unknown) => {
    assert.ok(e instanceof CaptureFollowError, String(e));
    assert.equal(e.reason, 'not-retryable');
    assert.ok(e.cause instanceof PcapngFormatError);
    assert.match(e.message, /the capture stream is not valid pcapng .*retrying cannot fix that/);
    return true;
  });
});
