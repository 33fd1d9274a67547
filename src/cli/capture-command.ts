// `csharg capture`: one target's live capture into a file or stdout, until the server completes
// it, a stop condition is met, a signal arrives, or the reader of the output goes away.
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { CaptureEnd, CaptureHandlers } from '../core/capture-source';
import { streamCaptureInto } from '../core/capture-streamer';
import { describeTarget } from '../core/describe-target';
import type { SharkTank } from '../core/shark-tank';
import { PcapngPacketReader } from '../core/pcapng';
import type { CaptureOptions, Target } from '../core/target';
import { ProgressLine } from './progress';

export interface CaptureCommandOptions extends CaptureOptions {
  /** file name, or `-` for stdout */
  write: string;
  stopAfterMs?: number;
  maxBytes?: number;
  /** stop after this many packets (the stream is parsed to count them) */
  count?: number;
  quiet: boolean;
}

export interface CaptureOutcome {
  end: CaptureEnd;
  bytes: number;
  /** a stop condition (duration, bytes) or the reader going away ended it: success */
  stopCondition?: string;
}

function openOutput(write: string): Writable {
  if (write === '-') return process.stdout;
  // csharg creates capture files readable by the owner's group only.
  return createWriteStream(write, { mode: 0o640 });
}

export async function runCapture(tank: SharkTank, target: Target, opts: CaptureCommandOptions): Promise<CaptureOutcome> {
  const out = openOutput(opts.write);
  const progress = new ProgressLine(process.stderr, opts.quiet);
  let bytes = 0;
  let packetCount = 0;
  let countFailed = false;
  let stopCondition: string | undefined;
  const counter = opts.count !== undefined ? new PcapngPacketReader() : undefined;
  const stopFor = (why: string): void => {
    if (stopCondition) return;
    stopCondition = why;
    void streamer.stop();
  };

  const streamer = streamCaptureInto(
    out,
    (handlers: CaptureHandlers) =>
      tank.openCapture(target, opts, {
        onChunk: (chunk) => {
          bytes += chunk.length;
          progress.update(bytes);
          handlers.onChunk(chunk);
          if (opts.maxBytes !== undefined && bytes >= opts.maxBytes) stopFor(`${opts.maxBytes} bytes captured`);
          if (counter && opts.count !== undefined && !countFailed) {
            try {
              counter.feed(chunk, () => packetCount++);
            } catch (err) {
              // The capture itself goes on into the output as received; only the count is lost.
              countFailed = true;
              process.stderr.write(`csharg: cannot count packets any more: ${(err as Error).message}\n`);
            }
            if (packetCount >= opts.count) stopFor(`${opts.count} packets captured`);
          }
        },
        onEnd: (end) => handlers.onEnd(end),
      }),
    { target: describeTarget(target, target.nodeName), url: tank.description },
  );

  // First signal: graceful stop; a second one aborts at once.
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    stopCondition ??= `stopped by ${sig}`;
    void streamer.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopTimer =
    opts.stopAfterMs !== undefined
      ? setTimeout(() => {
          stopCondition ??= `stopped after ${opts.stopAfterMs} ms`;
          void streamer.stop();
        }, opts.stopAfterMs)
      : undefined;

  const end = await streamer.wait();
  clearTimeout(stopTimer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (out !== process.stdout) await new Promise<void>((resolve) => out.end(resolve));
  progress.finish(bytes, end);
  return { end, bytes, ...(stopCondition !== undefined ? { stopCondition } : {}) };
}
