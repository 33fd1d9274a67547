import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { CaptureHandshakeError } from '../../src/core/capture-errors';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../src/core/capture-source';
import { CaptureFollowError } from '../../src/core/follow/errors';
import { TargetGoneError } from '../../src/core/local/errors';
import { PcapngReader, encodeBlock, option } from '../../src/core/pcapng';
import type { Block, WritableBlock } from '../../src/core/pcapng';
import type { SharkTank } from '../../src/core/shark-tank';
import type { Target } from '../../src/core/target';
import { captureFollow } from '../../src/rx/follow';
import type { FollowEvent } from '../../src/rx/follow';

/** One section: SHB, IDB and `packets` EPBs whose payload bytes are all `mark`. */
function section(mark: number, packets: number): Buffer {
  const blocks: WritableBlock[] = [
    { kind: 'shb', littleEndian: true, options: [option.string(1, `meta ${mark}`)], endOfOptions: true },
    { kind: 'idb', linkType: 1, snapLen: 65535, littleEndian: true, options: [], endOfOptions: false },
  ];
  for (let i = 0; i < packets; i++) blocks.push({ kind: 'epb', interfaceId: 0, timestampHigh: 0, timestampLow: i, originalLength: 60, data: Buffer.alloc(60, mark), littleEndian: true });
  return Buffer.concat(blocks.map((b) => encodeBlock(b, true)));
}

interface FakeCapture {
  target: Target;
  handlers: CaptureHandlers;
  stopped: boolean;
  end(end: CaptureEnd): void;
}

/** A tank whose discovery list and captures the test drives by hand. */
function fakeTank(initial: Target[]): { tank: SharkTank; list: Target[]; captures: FakeCapture[]; clears: number } {
  const state = { list: initial, captures: [] as FakeCapture[], clears: 0, tank: undefined as unknown as SharkTank };
  state.tank = {
    description: 'fake',
    targets: () => Promise.resolve([...state.list]),
    clear: () => {
      state.clears++;
    },
    openCapture(target: Target, _options, handlers: CaptureHandlers): CaptureSession {
      let ended = false;
      const capture: FakeCapture = {
        target,
        handlers,
        stopped: false,
        end(end) {
          if (ended) return;
          ended = true;
          handlers.onEnd(end);
        },
      };
      state.captures.push(capture);
      return {
        stop() {
          capture.stopped = true;
          setImmediate(() => capture.end({ kind: 'stopped' }));
          return Promise.resolve({ kind: 'stopped' });
        },
        pause: () => undefined,
        resume: () => undefined,
      };
    },
  };
  return state;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function readAll(bytes: Buffer): Block[] {
  const reader = new PcapngReader();
  const blocks = reader.push(bytes);
  reader.end();
  return blocks;
}

const node = 'host1';
const first: Target = { name: '/run/netns/app', type: 'bindmount', netns: 100, prefix: '', pid: 0, nodeName: node };
const second: Target = { ...first, netns: 200 };
const backoff = { initialMs: 1, maxMs: 4, factor: 2 };

test('a followed capture resumes in the re-created namespace and marks the gap in a new section', async () => {
  const bed = fakeTank([first]);
  const events: FollowEvent[] = [];
  const chunks: Buffer[] = [];
  let end: string | undefined;
  captureFollow(bed.tank, { name: '/run/netns/app', type: 'bindmount' }, {}, { backoff, watchIntervalMs: 0, onEvent: (e) => events.push(e) }).subscribe({
    next: (c) => chunks.push(c),
    error: (e: unknown) => (end = `error ${String(e)}`),
    complete: () => (end = 'complete'),
  });
  await until('the first capture', () => bed.captures.length === 1);
  assert.equal(bed.captures[0]!.target.netns, 100);
  const one = section(1, 3);
  // odd chunking, and the connection breaks 7 bytes into a fourth packet block
  bed.captures[0]!.handlers.onChunk(one.subarray(0, 50));
  const lastPacketBlock = one.subarray(one.length - (32 + 60));
  bed.captures[0]!.handlers.onChunk(Buffer.concat([one.subarray(50), lastPacketBlock.subarray(0, 7)]));
  bed.list = [];
  bed.captures[0]!.end({ kind: 'error', error: new TargetGoneError('bindmount "/run/netns/app"', 'no bind mount holds it any longer') });
  await until('two failed rediscoveries', () => events.filter((e) => e.type === 'retrying').length >= 3);
  bed.list = [second];
  await until('the second capture', () => bed.captures.length === 2);
  assert.equal(bed.captures[1]!.target.netns, 200);
  bed.captures[1]!.handlers.onChunk(section(2, 2));
  bed.captures[1]!.end({ kind: 'completed' }); // ended by itself while the target is there: over
  await until('the end', () => end !== undefined);
  assert.equal(end, 'complete');

  const blocks = readAll(Buffer.concat(chunks));
  const shbs = blocks.flatMap((b) => (b.kind === 'shb' ? [b] : []));
  assert.equal(shbs.length, 2);
  assert.deepEqual(shbs[0]!.comments, ['meta 1']);
  assert.equal(shbs[1]!.comments[0], 'meta 2');
  assert.match(shbs[1]!.comments[1] ?? '', /^csharg: capture resumed after a gap of \d+ ms \(target went away at \d{4}-\d\d-\d\dT[^ ]+Z: capture target gone: bindmount "\/run\/netns\/app": no bind mount/);
  assert.deepEqual(blocks.filter((b) => b.kind === 'epb').map((b) => (b.kind === 'epb' ? b.data[0] : -1)), [1, 1, 1, 2, 2]);
  assert.deepEqual(events.map((e) => e.type).filter((t, i, all) => all.indexOf(t) === i), ['capturing', 'lost', 'retrying', 'resumed']);
  const delays = events.flatMap((e) => (e.type === 'retrying' ? [e.delayMs] : []));
  assert.deepEqual(delays.slice(0, 3), [1, 2, 4], 'capped exponential backoff while the target is away');
});

test('the watch notices that the name moved to a new namespace and reconnects there', async () => {
  const bed = fakeTank([first]);
  const events: FollowEvent[] = [];
  const chunks: Buffer[] = [];
  const stop = new Subject<void>();
  let done = false;
  captureFollow(bed.tank, first, {}, { backoff, watchIntervalMs: 5, onEvent: (e) => events.push(e) }).stopWhen(stop).subscribe({
    next: (c) => chunks.push(c),
    complete: () => (done = true),
  });
  await until('the first capture', () => bed.captures.length === 1);
  bed.captures[0]!.handlers.onChunk(section(1, 1));
  // the old namespace lives on only through the capture's own dumpcap; a new one has the name
  bed.list = [second, { name: 'dumpcap(77)', type: 'proc', netns: 100, prefix: '', nodeName: node }];
  await until('the second capture', () => bed.captures.length === 2);
  assert.equal(bed.captures[0]!.stopped, true, 'the capture of the old namespace was stopped');
  bed.captures[1]!.handlers.onChunk(section(2, 1));
  stop.next();
  await until('the graceful end', () => done);
  assert.equal(bed.captures[1]!.stopped, true);
  const shbs = readAll(Buffer.concat(chunks)).flatMap((b) => (b.kind === 'shb' ? [b] : []));
  assert.match(shbs[1]!.comments[1] ?? '', /capture target left: .*now belongs to network namespace 200, not 100/);
  assert.ok(events.some((e) => e.type === 'resumed' && e.target.netns === 200));
});

test('a reconnection refused with HTTP 401 ends following at once, saying why', async () => {
  const bed = fakeTank([first]);
  const events: FollowEvent[] = [];
  let failure: unknown;
  captureFollow(bed.tank, first, {}, { backoff, watchIntervalMs: 0, onEvent: (e) => events.push(e) }).subscribe({ error: (e: unknown) => (failure = e) });
  await until('the first capture', () => bed.captures.length === 1);
  bed.captures[0]!.handlers.onChunk(section(1, 1));
  bed.list = [second];
  bed.captures[0]!.end({ kind: 'error', error: new TargetGoneError('x', 'gone') });
  await until('the second capture', () => bed.captures.length === 2);
  const refused = new CaptureHandshakeError({ target: 'x', url: 'wss://proxy/edgeshark/capture' }, 401, 'unauthorized', 'HTTP 401 Unauthorized');
  bed.captures[1]!.end({ kind: 'error', error: refused });
  await until('the failure', () => failure !== undefined);
  assert.ok(failure instanceof CaptureFollowError);
  assert.equal(failure.code, 'CAPTURE_FOLLOW_NOT_RETRYABLE');
  assert.equal(failure.cause, refused);
  assert.match(failure.message, /refused the credentials \(HTTP 401\): check the token; retrying cannot fix that/);
  assert.equal(events.at(-1)?.type, 'gave-up');
  assert.equal(bed.captures.length, 2, 'no third attempt');
});

test('a stop while waiting to reconnect ends at once, with no capture opened and no timer left', async () => {
  const bed = fakeTank([first]);
  const stop = new Subject<void>();
  let done = false;
  captureFollow(bed.tank, first, {}, { backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1 }, watchIntervalMs: 0 }).stopWhen(stop).subscribe({ complete: () => (done = true) });
  await until('the first capture', () => bed.captures.length === 1);
  bed.captures[0]!.end({ kind: 'error', error: new TargetGoneError('x', 'gone') });
  await new Promise((resolve) => setTimeout(resolve, 10));
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  stop.next();
  await until('the end', () => done);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore - 1, 'the 60 s backoff timer is gone');
  assert.equal(bed.captures.length, 1);
});

test('a target that never returns is given up after maxAttempts', async () => {
  const bed = fakeTank([first]);
  let failure: unknown;
  captureFollow(bed.tank, first, {}, { backoff, maxAttempts: 3, watchIntervalMs: 0 }).subscribe({ error: (e: unknown) => (failure = e) });
  await until('the first capture', () => bed.captures.length === 1);
  bed.list = [];
  bed.captures[0]!.end({ kind: 'error', error: new TargetGoneError('x', 'gone') });
  await until('the failure', () => failure !== undefined);
  assert.ok(failure instanceof CaptureFollowError);
  assert.equal(failure.reason, 'max-attempts');
  assert.equal(failure.attempts, 3);
  assert.match(failure.message, /3 reconnection attempts failed \(the limit\); last error: non-existing target/);
});

test('a capture that completes while its target is still there completes the follow', async () => {
  const bed = fakeTank([first]);
  let end: string | undefined;
  captureFollow(bed.tank, first, {}, { backoff, watchIntervalMs: 0 }).subscribe({ complete: () => (end = 'complete'), error: () => (end = 'error') });
  await until('the first capture', () => bed.captures.length === 1);
  bed.captures[0]!.handlers.onChunk(section(1, 1));
  bed.captures[0]!.end({ kind: 'completed' });
  await until('the end', () => end !== undefined);
  assert.equal(end, 'complete');
  assert.equal(bed.captures.length, 1);
});
