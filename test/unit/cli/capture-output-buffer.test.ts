// `csharg capture -w FILE` holds up to 1 MiB in its output stream before it pauses the capture
// (PERFORMANCE.md: with Node's 16 KiB default it paused on nearly every message and the kernel
// dropped), and the pause still comes: the output is a FIFO whose reader (a child process) opens
// it and reads nothing until told; the capture source is a scripted SharkTank that delivers 64
// KiB chunks, one per turn, and honours pause/resume. Once the first pause has come, the reader
// is told to read; the capture resumes and the reader gets the whole stream, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OUTPUT_BUFFER_BYTES, runCapture } from '../../../src/cli/capture-command';
import type { CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';
import type { SharkTank } from '../../../src/core/shark-tank';
import type { Target } from '../../../src/core/target';
import { epb, idb, shb } from '../pcapng/build';

const target: Target = { name: 't(1)', type: 'proc', netns: 1, pid: 1, nodeName: 'n' };
const CHUNK = 64 * 1024;

interface Flow {
  delivered: number;
  /** bytes delivered when the capture was first paused */
  atFirstPause?: number;
  pauses: number;
  resumes: number;
}

/** A tank whose capture delivers `stream` in 64 KiB chunks, one per turn, while not paused. */
function pacedTank(stream: Buffer, flow: Flow, onFirstPause: () => void): SharkTank {
  return {
    description: 'a scripted tank',
    targets: () => Promise.resolve([target]),
    clear: () => undefined,
    openCapture(_t, _o, handlers: CaptureHandlers): CaptureSession {
      let paused = false;
      let ended = false;
      const pump = (): void => {
        if (paused || ended) return;
        if (flow.delivered >= stream.length) {
          ended = true;
          handlers.onEnd({ kind: 'completed' });
          return;
        }
        const chunk = stream.subarray(flow.delivered, flow.delivered + CHUNK);
        flow.delivered += chunk.length;
        handlers.onChunk(chunk);
        setImmediate(pump);
      };
      setImmediate(pump);
      return {
        stop: () => {
          ended = true;
          return Promise.resolve({ kind: 'stopped' });
        },
        pause: () => {
          if (paused) return;
          paused = true;
          flow.pauses++;
          if (flow.atFirstPause === undefined) {
            flow.atFirstPause = flow.delivered;
            onFirstPause();
          }
        },
        resume: () => {
          if (!paused) return;
          paused = false;
          flow.resumes++;
          setImmediate(pump);
        },
      };
    },
  };
}

test('csharg capture -w buffers 1 MiB before it pauses the capture, pauses once the reader of a FIFO holds back, resumes when it reads, and writes every byte', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-capture-buffer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = path.join(dir, 'out.fifo');
  const copy = path.join(dir, 'copy.pcapng');
  execFileSync('mkfifo', [fifo]);

  // 4 MiB of pcapng: headers, then packets of 1,000 bytes with distinct contents.
  const parts = [shb(true), idb(true, 1, 65535)];
  let n = 0;
  for (let size = 0; size < 4 * OUTPUT_BUFFER_BYTES; n++) {
    const p = epb(true, 0, BigInt(n), Buffer.alloc(1000, n % 251));
    parts.push(p);
    size += p.length;
  }
  const stream = Buffer.concat(parts);

  // The reader opens the FIFO at once (so that the command can open it) and reads only after a
  // line on its stdin.
  const reader = spawn('bash', ['-c', 'exec 3<"$1"; read -r _; cat <&3 >"$2"', 'reader', fifo, copy], { stdio: ['pipe', 'ignore', 'inherit'] });
  const readerDone = new Promise<number | null>((resolve) => reader.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (reader.exitCode === null && reader.signalCode === null) reader.kill('SIGTERM');
  });

  const flow: Flow = { delivered: 0, pauses: 0, resumes: 0 };
  const outcome = await runCapture(pacedTank(stream, flow, () => reader.stdin.end('read\n')), target, { write: fifo, quiet: true });
  assert.equal(await readerDone, 0);

  assert.equal(outcome.end.kind, 'completed');
  assert.equal(outcome.bytes, stream.length);
  assert.equal(outcome.packets, n);
  assert.ok(flow.atFirstPause !== undefined, 'the capture was paused while the reader held back');
  // Not paused before the stream held 1 MiB (with the 16 KiB default it paused after the first
  // chunk), and paused soon after: 1 MiB buffered, plus what the pipe took, plus one chunk.
  assert.ok(flow.atFirstPause >= OUTPUT_BUFFER_BYTES, `first pause after ${flow.atFirstPause} bytes`);
  assert.ok(flow.atFirstPause <= OUTPUT_BUFFER_BYTES + 2 * CHUNK + 64 * 1024, `first pause after ${flow.atFirstPause} bytes`);
  assert.ok(flow.resumes >= 1 && flow.resumes <= flow.pauses, `${flow.pauses} pauses, ${flow.resumes} resumes`);
  assert.ok(readFileSync(copy).equals(stream), 'the reader got the whole stream, byte for byte');
});
