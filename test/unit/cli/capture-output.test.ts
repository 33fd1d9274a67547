// Unit tests of what `csharg capture` leaves behind and where it refuses to write (issue 16, item
// 8): a capture that fails before its first packet removes the file it created (never anything
// that is not a regular file, never a file that replaced it); one that failed later keeps it; no
// pcapng to a terminal unless `-w -` asks for it. The capture source is a scripted SharkTank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { refuseTerminalOutput, runCapture } from '../../../src/cli/capture-command';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';
import type { SharkTank } from '../../../src/core/shark-tank';
import type { Target } from '../../../src/core/target';
import { epb, idb, shb } from '../pcapng/build';

const target: Target = { name: 't(1)', type: 'proc', netns: 1, pid: 1, nodeName: 'n' };
const HEADERS = Buffer.concat([shb(true), idb(true, 1, 65535)]);
const PACKET = epb(true, 0, 1n, Buffer.alloc(60, 7));

/** A tank whose one capture delivers `chunks`, then ends with `end` (after `beforeEnd`, if given). */
function scriptedTank(chunks: Buffer[], end: CaptureEnd, beforeEnd?: () => void): SharkTank {
  return {
    description: 'a scripted tank',
    targets: () => Promise.resolve([target]),
    clear: () => undefined,
    openCapture(_t, _o, handlers: CaptureHandlers): CaptureSession {
      let ended = false;
      const finish = (e: CaptureEnd): void => {
        if (ended) return;
        ended = true;
        handlers.onEnd(e);
      };
      setImmediate(() => {
        for (const c of chunks) handlers.onChunk(c);
        setImmediate(() => {
          beforeEnd?.();
          finish(end);
        });
      });
      return {
        stop: () => {
          finish({ kind: 'stopped' });
          return Promise.resolve({ kind: 'stopped' });
        },
        pause: () => undefined,
        resume: () => undefined,
      };
    },
  };
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-capture-output-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const failure = (): CaptureEnd => ({ kind: 'error', error: new Error('capture of proc "t(1)" failed: There is no device named "eth9".') });

test('a capture that fails before its first packet leaves no file (it had the header blocks only)', async (t) => {
  const file = path.join(tempDir(t), 'x.pcapng');
  await assert.rejects(runCapture(scriptedTank([HEADERS], failure()), target, { write: file, quiet: true }), /no device named "eth9"/);
  assert.equal(existsSync(file), false);
  // Nothing at all received: no file either; with --count the same.
  await assert.rejects(runCapture(scriptedTank([], failure()), target, { write: file, quiet: true }), /eth9/);
  assert.equal(existsSync(file), false);
  await assert.rejects(runCapture(scriptedTank([HEADERS], failure()), target, { write: file, quiet: true, count: 5 }), /eth9/);
  assert.equal(existsSync(file), false);
});

test('a file that existed before is truncated when the capture starts, so a failure before any packet removes it too', async (t) => {
  const file = path.join(tempDir(t), 'old.pcapng');
  writeFileSync(file, 'an old capture');
  await assert.rejects(runCapture(scriptedTank([HEADERS], failure()), target, { write: file, quiet: true }), /eth9/);
  assert.equal(existsSync(file), false);
});

test('a capture that fails after a packet keeps the file with what it got; a successful capture without packets keeps its file', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'partial.pcapng');
  await assert.rejects(runCapture(scriptedTank([HEADERS, PACKET], failure()), target, { write: file, quiet: true }), /eth9/);
  assert.deepEqual(readFileSync(file), Buffer.concat([HEADERS, PACKET]));
  const empty = path.join(dir, 'empty.pcapng');
  const outcome = await runCapture(scriptedTank([HEADERS], { kind: 'completed' }), target, { write: empty, quiet: true });
  assert.equal(outcome.packets, 0);
  assert.deepEqual(readFileSync(empty), HEADERS);
});

test('only the regular file this command created is removed: not /dev/null, not a file put in its place', async (t) => {
  await assert.rejects(runCapture(scriptedTank([HEADERS], failure()), target, { write: '/dev/null', quiet: true }), /eth9/);
  assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still there');
  const dir = tempDir(t);
  const file = path.join(dir, 'x.pcapng');
  const other = path.join(dir, 'other');
  writeFileSync(other, 'not ours');
  // Another program renames its own file to our name while the capture runs.
  const replace = (): void => renameSync(other, file);
  await assert.rejects(runCapture(scriptedTank([HEADERS], failure(), replace), target, { write: file, quiet: true }), /eth9/);
  assert.equal(readFileSync(file, 'utf8'), 'not ours');
});

test('no pcapng to a terminal without -w; -w -, a file, --wireshark or a pipe are fine', () => {
  assert.throws(() => refuseTerminalOutput(undefined, false, true), {
    message:
      'not writing a binary pcapng capture to a terminal: write a file (-w FILE), pipe it (| tshark -r -, > FILE), feed Wireshark (--wireshark), or give -w - to write to the terminal anyway',
  });
  assert.doesNotThrow(() => refuseTerminalOutput('-', false, true));
  assert.doesNotThrow(() => refuseTerminalOutput('x.pcapng', false, true));
  assert.doesNotThrow(() => refuseTerminalOutput(undefined, true, true));
  assert.doesNotThrow(() => refuseTerminalOutput(undefined, false, false));
});

test('a write that fails after the capture ended (-w /dev/full, the capture completing right after its last packet) fails the command, never an uncaught ENOSPC after "success"', async () => {
  // Chunks and the end in one go: the file stream's writes are still queued when the capture ends.
  const burst: SharkTank = {
    ...scriptedTank([], { kind: 'completed' }),
    openCapture(_t, _o, handlers: CaptureHandlers): CaptureSession {
      setImmediate(() => {
        handlers.onChunk(HEADERS);
        handlers.onChunk(PACKET);
        handlers.onEnd({ kind: 'completed' });
      });
      return { stop: () => Promise.resolve({ kind: 'stopped' }), pause: () => undefined, resume: () => undefined };
    },
  };
  for (let i = 0; i < 5; i++) {
    await assert.rejects(runCapture(burst, target, { write: '/dev/full', quiet: true }), /ENOSPC|no space left/);
  }
  // Give a stray 'error' event time to surface (node:test fails the test on an uncaught one).
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(statSync('/dev/full').isCharacterDevice(), '/dev/full is still there');
});

