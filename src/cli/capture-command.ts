// `csharg capture`: one target's live capture into a file, stdout or Wireshark, until the server
// completes it, a stop condition is met (--stop-after, --count, --max-bytes), a signal arrives,
// or the reader of the output goes away.
import { createWriteStream, fstatSync, openSync, statSync, unlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { CaptureWriterError } from '../core/capture-errors';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../core/capture-source';
import { streamCaptureInto } from '../core/capture-streamer';
import { describeTarget } from '../core/describe-target';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { BlockCutter } from '../rx/block-cutter';
import { ProgressLine } from './progress';
import { watchPipeReader } from './reader-watch';
import type { ReaderWatch } from './reader-watch';
import { startWireshark } from './wireshark';
import type { WiresharkSink } from './wireshark';

export interface CaptureCommandOptions extends CaptureOptions {
  /** file name, or `-` for stdout */
  write: string;
  /** feed `wireshark -k -i -` instead of writing */
  wireshark?: boolean;
  stopAfterMs?: number;
  /** stop after this many bytes of pcapng (whole blocks, see BlockCutter) */
  maxBytes?: number;
  /** stop after exactly this many packets */
  count?: number;
  quiet: boolean;
  /** debug notes on stderr */
  debug?: boolean;
}

export interface CaptureOutcome {
  end: CaptureEnd;
  bytes: number;
  packets: number;
  /** why it ended successfully: a stop condition, a signal, the reader going away */
  stopCondition?: string;
}

interface Output {
  stream: Writable;
  /** the output is a pipe to a reader that may go away (stdout, Wireshark) */
  readerMayGo: boolean;
  close(): Promise<void>;
  /** after close(): a write that failed after the capture had ended (its last blocks lost) */
  lateError?(): Error | undefined;
  /** after close(): removes the output file when it is (still) the regular file this command created */
  discard?(): void;
}

/**
 * `capture` without `-w` writes pcapng to stdout; at a terminal that is binary garbage, so the
 * command refuses it before anything is sent, as dumpcap and tshark never write a capture to a
 * terminal unasked (dumpcap writes a temporary file, tshark prints packet summaries). An explicit
 * `-w -` is obeyed, as it is by both of them.
 */
export function refuseTerminalOutput(write: string | undefined, wireshark: boolean, isTTY: boolean = process.stdout.isTTY === true): void {
  if (write !== undefined || wireshark || !isTTY) return;
  throw new Error(
    'not writing a binary pcapng capture to a terminal: write a file (-w FILE), pipe it (| tshark -r -, > FILE), feed Wireshark (--wireshark), or give -w - to write to the terminal anyway',
  );
}

function openOutput(opts: CaptureCommandOptions, wireshark: WiresharkSink | undefined): Output {
  if (wireshark) return { stream: wireshark.input, readerMayGo: true, close: () => Promise.resolve(wireshark.release()) };
  if (opts.write === '-') {
    // A late EPIPE after the capture (Node flushing) must not become an uncaught exception.
    process.stdout.on('error', () => undefined);
    return { stream: process.stdout, readerMayGo: true, close: () => Promise.resolve() };
  }
  // As csharg: the file is created (truncated, readable by the owner's group only) before the
  // capture starts, and a file that cannot be created is the error, with nothing sent to the server.
  let fd: number;
  try {
    fd = openSync(opts.write, 'w', 0o640);
  } catch (err) {
    throw new Error(`cannot create packet capture file: ${(err as Error).message}`);
  }
  // Only a regular file is ever removed again (never /dev/null, a FIFO or a device), and only
  // while the name still refers to the very file opened here.
  const created = fstatSync(fd);
  const path = opts.write;
  const file = createWriteStream(path, { fd });
  // The streamer listens for errors only while the capture runs; the last writes may still fail
  // after it has ended (ENOSPC, EIO, /dev/full): that must be the command's failure, never an
  // 'error' event without a listener (an uncaught exception after "success").
  let late: Error | undefined;
  file.on('error', (err) => {
    late ??= err;
  });
  const discard = (): void => {
    try {
      const now = statSync(path);
      if (now.isFile() && now.ino === created.ino && now.dev === created.dev) unlinkSync(path);
    } catch {
      // gone already, or not ours to remove
    }
  };
  return {
    stream: file,
    readerMayGo: false,
    close: () =>
      new Promise<void>((resolve) => {
        file.once('close', () => resolve());
        if (file.destroyed) resolve();
        else file.end();
      }),
    lateError: () => late,
    ...(created.isFile() ? { discard } : {}),
  };
}

function ignoreError(): void {
  // see runCapture
}

/** A writer failure that only means the reader went away (EPIPE, or the pipe closed on us). */
function isReaderGone(error: Error): boolean {
  if (!(error instanceof CaptureWriterError)) return false;
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  return cause === undefined || cause.code === 'EPIPE' || cause.code === 'ERR_STREAM_DESTROYED' || cause.code === 'ECONNRESET';
}

export async function runCapture(tank: SharkTank, target: Target, opts: CaptureCommandOptions): Promise<CaptureOutcome> {
  const wireshark = opts.wireshark ? startWireshark() : undefined;
  const out = openOutput(opts, wireshark);
  // A reader of stderr that goes away (progress, notices) must not crash the capture with an
  // 'error' event nobody listens to; the capture goes on, as dumpcap's does.
  if (!process.stderr.listeners('error').includes(ignoreError)) process.stderr.on('error', ignoreError);
  const progress = new ProgressLine(process.stderr, opts.quiet);
  const debug = (text: string): void => {
    if (opts.debug) process.stderr.write(`csharg: ${text}\n`);
  };
  const limited = opts.count !== undefined || opts.maxBytes !== undefined;
  let cutter: BlockCutter | undefined = new BlockCutter({
    ...(opts.count !== undefined ? { count: opts.count } : {}),
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
  });
  let bytes = 0;
  let packets = 0;
  let stopCondition: string | undefined;
  let failure: Error | undefined;
  let readerGone = false;

  const stopFor = (why: string): void => {
    stopCondition ??= why;
    void streamer.stop();
  };
  let session: CaptureSession | undefined;
  const onReaderGone = (): void => {
    if (readerGone) return;
    readerGone = true;
    debug('the reader of the output went away');
    stopFor('the reader of the output went away');
    // Whatever still comes (dumpcap's last blocks) has nowhere to go: drop it, and let the
    // session flow again in case the dead output had paused it, so that its end can come.
    session?.resume();
  };

  let forward: ((chunk: Buffer) => void) | undefined;
  const take = (chunk: Buffer): void => {
    let keep = chunk;
    if (cutter) {
      try {
        const cut = cutter.cut(chunk);
        keep = cut.keep;
        packets = cutter.packets;
        if (cut.done) stopFor(opts.count !== undefined && packets >= opts.count ? `${opts.count} packets captured` : `${opts.maxBytes} bytes reached`);
      } catch (err) {
        // Not pcapng after all: the capture goes on as received, only counting and cutting end.
        keep = Buffer.concat([cutter.takeHeld(), chunk]);
        cutter = undefined;
        if (limited) {
          failure ??= new Error(`cannot count packets in the capture stream: ${(err as Error).message}`);
          void streamer.stop();
        } else if (!opts.quiet) {
          process.stderr.write(`csharg: cannot count packets any more: ${(err as Error).message}\n`);
        }
      }
    }
    if (keep.length === 0 || readerGone) return;
    bytes += keep.length;
    progress.update(packets, bytes);
    forward?.(keep);
  };

  const streamer = streamCaptureInto(
    out.stream,
    (handlers: CaptureHandlers) => {
      forward = (chunk) => handlers.onChunk(chunk);
      session = tank.openCapture(target, opts, {
        onChunk: take,
        onEnd: (end) => {
          // A stream that ended inside a block still reaches the output as it came.
          const held = cutter && !cutter.done ? cutter.takeHeld() : Buffer.alloc(0);
          if (held.length > 0) {
            bytes += held.length;
            handlers.onChunk(held);
          }
          handlers.onEnd(end);
        },
      });
      return session;
    },
    { target: describeTarget(target, target.nodeName), url: tank.description },
  );

  // First signal: graceful stop; a second one aborts at once.
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    debug(`${sig}: stopping gracefully (again to abort)`);
    stopFor(`stopped by ${sig}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopTimer = opts.stopAfterMs !== undefined ? setTimeout(() => stopFor(`after ${opts.stopAfterMs} ms`), opts.stopAfterMs) : undefined;
  let watch: ReaderWatch | undefined;
  // Registered after the streamer's own listener, which records the failure and stops.
  if (out.readerMayGo) {
    out.stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') onReaderGone();
    });
  }
  if (wireshark) void wireshark.exited.then(onReaderGone);
  else if (opts.write === '-') watch = watchPipeReader(1, onReaderGone, (why) => debug(`cannot watch the reader of stdout: ${why}`));

  const end = await streamer.wait();
  clearTimeout(stopTimer);
  watch?.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await out.close();

  const gone = end.kind === 'error' && out.readerMayGo && isReaderGone(end.error);
  if (gone) stopCondition ??= 'the reader of the output went away';
  const outcome: CaptureOutcome = { end, bytes, packets, ...(stopCondition !== undefined ? { stopCondition } : {}) };
  // A capture that failed before its first packet leaves no file behind (it would hold headers
  // at most); one that failed later keeps what it got.
  const noPacket = bytes === 0 || (cutter !== undefined && packets === 0);
  const failed = (error: Error): Error => {
    progress.finish('failed');
    if (noPacket && out.discard) {
      out.discard();
      debug(`removed ${opts.write}: the capture failed before its first packet`);
    }
    return error;
  };
  if (failure) throw failed(failure);
  if (end.kind === 'error' && !gone && !readerGone) throw failed(end.error);
  const late = out.lateError?.();
  if (late) throw failed(new Error(`cannot write the packet capture file ${opts.write}: ${late.message}`));
  progress.finish(end.kind === 'completed' ? 'completed' : `stopped (${stopCondition ?? 'by the client'})`);
  return outcome;
}
