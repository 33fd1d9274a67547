import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { CaptureWriterError } from '../../../src/core/capture-errors';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';
import { streamCaptureInto } from '../../../src/core/capture-streamer';
import { ShbEditError } from '../../../src/core/errors';
import { withShbEdit } from '../../../src/core/shb/edited-session';

/** A scripted session: the test pushes chunks and ends; records pause/resume/stop calls. */
function fakeSession() {
  const calls: string[] = [];
  let handlers: CaptureHandlers | undefined;
  let ended = false;
  const end = (e: CaptureEnd): void => {
    if (ended) return;
    ended = true;
    handlers?.onEnd(e);
  };
  const open = (h: CaptureHandlers): CaptureSession => {
    handlers = h;
    return {
      stop() {
        calls.push('stop');
        setImmediate(() => end({ kind: 'stopped' }));
        return Promise.resolve({ kind: 'stopped' });
      },
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    };
  };
  return { calls, open, push: (b: Buffer) => handlers?.onChunk(b), end };
}

const context = { target: 'proc "x(1)"', url: 'ws://h/capture' };

describe('CaptureStreamer (unit, scripted sessions)', () => {
  it('writes chunks, pauses on a full writable and resumes on drain', async () => {
    const written: Buffer[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _e, cb) {
        written.push(chunk);
        release = cb;
      },
    });
    const s = fakeSession();
    const streamer = streamCaptureInto(slow, s.open, context);
    s.push(Buffer.from('12345678'));
    assert.deepEqual(s.calls, ['pause']);
    release?.();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(s.calls, ['pause', 'resume']);
    s.end({ kind: 'completed' });
    assert.deepEqual(await streamer.wait(), { kind: 'completed' });
    assert.equal(Buffer.concat(written).toString(), '12345678');
  });

  it('a writer that fails while the session is paused for a drain resumes it before stopping', async () => {
    let fail: ((err: Error) => void) | undefined;
    const stuck = new Writable({
      highWaterMark: 4,
      write(_c, _e, cb) {
        fail = cb;
      },
    });
    const s = fakeSession();
    const streamer = streamCaptureInto(stuck, s.open, context);
    s.push(Buffer.from('12345678'));
    assert.deepEqual(s.calls, ['pause']);
    fail?.(new Error('write EPIPE'));
    const end = await streamer.wait();
    assert.equal(end.kind, 'error');
    assert.deepEqual(s.calls, ['pause', 'resume', 'stop']);
  });

  it('a failing writer stops the session and the end says the writer failed', async () => {
    const failing = new Writable({
      write(_c, _e, cb) {
        cb(new Error('write EPIPE'));
      },
    });
    const s = fakeSession();
    const streamer = streamCaptureInto(failing, s.open, context);
    s.push(Buffer.from('x'));
    const end = await streamer.wait();
    assert.equal(end.kind, 'error');
    assert.ok((end as { error: Error }).error instanceof CaptureWriterError);
    assert.match((end as { error: Error }).error.message, /EPIPE/);
    assert.ok(s.calls.includes('stop'));
  });

  it('stop(), wait() and stopAfter() share one end; stopAfter after the end resolves at once', async () => {
    const s = fakeSession();
    const streamer = streamCaptureInto(new Writable({ write: (_c, _e, cb) => cb() }), s.open, context);
    const [a, b] = await Promise.all([streamer.stop(), streamer.stop()]);
    assert.equal(a, b);
    assert.equal(await streamer.wait(), a);
    assert.equal(await streamer.stopAfter(60_000), a);
    assert.deepEqual(a, { kind: 'stopped' });
  });

  it('an SHB the editor cannot take stops the capture and ends with the editor error', async () => {
    const s = fakeSession();
    const open = withShbEdit({ 'node-name': 'n' }, s.open);
    const streamer = streamCaptureInto(new Writable({ write: (_c, _e, cb) => cb() }), open, context);
    // an SHB announcing 16 MiB, over the 1 MiB cap
    const shb = Buffer.from('0a0d0d0a000000014d3c2b1a01000000', 'hex');
    s.push(shb);
    const end = await streamer.wait();
    assert.ok(s.calls.includes('stop'));
    assert.ok((end as { error: Error }).error instanceof ShbEditError);
  });

  it('a stream that ends inside the SHB ends with SHB_TRUNCATED, not silently', async () => {
    const s = fakeSession();
    const open = withShbEdit({}, s.open);
    const streamer = streamCaptureInto(new Writable({ write: (_c, _e, cb) => cb() }), open, context);
    s.push(Buffer.from('0a0d0d0a1c000000', 'hex'));
    s.end({ kind: 'completed' });
    const error = (await streamer.wait()) as { error?: Error };
    assert.ok(error.error instanceof ShbEditError);
    assert.equal(error.error.code, 'SHB_TRUNCATED');
  });
});
