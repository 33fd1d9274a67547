// `csharg capture`: one target's live capture into a file, stdout or Wireshark, until the server
// completes it, a stop condition is met (--stop-after, --count, --max-bytes), a signal arrives,
// or the reader of the output goes away. It runs on the library's RxJS face: capture() with a
// stop notifier (signals, the reader going away), the stop operators stopAfter, stopAfterPackets
// and stopAfterBytes, and writeChunks into the output (backpressure pauses the capture).
import { createWriteStream, fstatSync, openSync, statSync, unlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { Subject, filter, identity } from 'rxjs';
import type { Observable } from 'rxjs';
import { CaptureWriterError } from '../core/capture-errors';
import type { CaptureEnd } from '../core/capture-source';
import { describeTarget } from '../core/describe-target';
import { asError, errorMessage } from '../core/errors';
import { PcapngFormatError, PcapngReader } from '../core/pcapng';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { stopAfterBytes, stopAfterPackets } from '../rx/limits';
import { capture } from '../rx/shark-tank';
import { stopAfter } from '../rx/stop-after';
import { OutputFailedError, writeChunks } from '../rx/write';
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
  /** stop after this many bytes of pcapng (whole blocks, see stopAfterBytes) */
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

/** How much the output file's stream holds before writeChunks pauses the capture. */
export const OUTPUT_BUFFER_BYTES = 1 << 20;

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
  // A 1 MiB buffer: with Node's 16 KiB default for a file, writeChunks pauses the capture on
  // nearly every message (one can carry a 64 KiB packet), the server blocks on the socket and the
  // kernel drops (PERFORMANCE.md: 133,862 drops against 6,496 with 1 MiB, same run).
  const file = createWriteStream(path, { fd, highWaterMark: OUTPUT_BUFFER_BYTES });
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
  // see CaptureCommand
}

/** A writer failure that only means the reader went away (EPIPE, or the pipe closed on us). */
function isReaderGone(error: unknown): boolean {
  if (!(error instanceof OutputFailedError)) return false;
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  return cause === undefined || cause.code === 'EPIPE' || cause.code === 'ERR_STREAM_DESTROYED' || cause.code === 'ECONNRESET';
}

/** Counts the packets written, for the progress line and the outcome (any chunking). */
class PacketCounter {
  readonly #reader = new PcapngReader();
  packets = 0;
  /** false once the stream turned out not to be pcapng: counting stopped */
  counting = true;

  count(chunk: Buffer): void {
    if (!this.counting) return;
    this.#reader.feed(chunk, (block) => {
      if (block.kind === 'epb' || block.kind === 'spb' || block.kind === 'pb') this.packets++;
    });
  }
}

/**
 * The phases of one `csharg capture`: `capturing` until a stop is asked for, `stopping` until the
 * capture has ended (what is in flight is still written), `closing` while the output is closed,
 * then `done`.
 */
type Phase = 'capturing' | 'stopping' | 'closing' | 'done';

/** The outcome of the capture Observable: it completed, or failed with `error`. */
type StreamEnd = { kind: 'completed' } | { kind: 'error'; error: unknown };

class CaptureCommand {
  #phase: Phase = 'capturing';
  readonly #stop$ = new Subject<void>();
  readonly #counter = new PacketCounter();
  readonly #progress: ProgressLine;
  readonly #wireshark;
  readonly #out: Output;
  #bytes = 0;
  #stopCondition: string | undefined;
  #readerGone = false;
  #signals = 0;
  #watch: ReaderWatch | undefined;

  constructor(
    private readonly tank: SharkTank,
    private readonly target: Target,
    private readonly opts: CaptureCommandOptions,
  ) {
    this.#wireshark = opts.wireshark ? startWireshark() : undefined;
    this.#out = openOutput(opts, this.#wireshark);
    // A reader of stderr that goes away (progress, notices) must not crash the capture with an
    // 'error' event nobody listens to; the capture goes on, as dumpcap's does.
    if (!process.stderr.listeners('error').includes(ignoreError)) process.stderr.on('error', ignoreError);
    this.#progress = new ProgressLine(process.stderr, opts.quiet);
  }

  async run(): Promise<CaptureOutcome> {
    this.#watchStops();
    const end = await this.#capture();
    this.#phase = 'closing';
    this.#unwatchStops();
    await this.#out.close();
    this.#phase = 'done';
    return this.#outcome(end);
  }

  /** The capture pipe, from the tank to the output; resolves when it has ended. */
  #capture(): Promise<StreamEnd> {
    const { count, maxBytes, stopAfterMs } = this.opts;
    const chunks: Observable<Buffer> = capture(this.tank, this.target, { ...this.#captureOptions(), stop: this.#stop$ }).pipe(
      stopAfterMs !== undefined ? stopAfter(stopAfterMs, { onStop: () => this.#stopping(`after ${stopAfterMs} ms`) }) : identity,
      count !== undefined ? stopAfterPackets(count, { onStop: () => this.#stopping(`${count} packets captured`) }) : identity,
      maxBytes !== undefined ? stopAfterBytes(maxBytes, { onStop: () => this.#stopping(`${maxBytes} bytes reached`) }) : identity,
      // Once the reader is gone, what still comes (dumpcap's last blocks) has nowhere to go.
      filter(() => !this.#readerGone),
      writeChunks(this.#out.stream),
    );
    return new Promise<StreamEnd>((resolve) => {
      chunks.subscribe({
        next: (chunk) => this.#written(chunk),
        error: (error: unknown) => resolve({ kind: 'error', error }),
        complete: () => resolve({ kind: 'completed' }),
      });
    });
  }

  /** The capture options for the tank (the command's own options left out). */
  #captureOptions(): CaptureOptions {
    const { nifs, filter: captureFilter, avoidPromiscuousMode } = this.opts;
    return {
      ...(nifs !== undefined ? { nifs } : {}),
      ...(captureFilter !== undefined ? { filter: captureFilter } : {}),
      ...(avoidPromiscuousMode !== undefined ? { avoidPromiscuousMode } : {}),
    };
  }

  #written(chunk: Buffer): void {
    this.#bytes += chunk.length;
    try {
      this.#counter.count(chunk);
    } catch (err) {
      // Not pcapng after all: the capture goes on as received, only the counting ends.
      this.#counter.counting = false;
      if (!this.opts.quiet) process.stderr.write(`csharg: cannot count packets any more: ${errorMessage(err)}\n`);
    }
    this.#progress.update(this.#counter.packets, this.#bytes);
  }

  /** A stop condition was met (told by the stop operators, or by #stopFor). */
  #stopping(why: string): void {
    this.#stopCondition ??= why;
    if (this.#phase === 'capturing') this.#phase = 'stopping';
  }

  /** Asks for the graceful stop from outside the pipe: a signal, the reader going away. */
  #stopFor(why: string): void {
    if (this.#phase !== 'capturing' && this.#phase !== 'stopping') return;
    this.#stopping(why);
    this.#stop$.next();
  }

  #debug(text: string): void {
    if (this.opts.debug) process.stderr.write(`csharg: ${text}\n`);
  }

  readonly #onSignal = (sig: NodeJS.Signals): void => {
    // First signal: graceful stop; a second one aborts at once.
    this.#signals++;
    if (this.#signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    this.#debug(`${sig}: stopping gracefully (again to abort)`);
    this.#stopFor(`stopped by ${sig}`);
  };

  readonly #onReaderGone = (): void => {
    if (this.#readerGone) return;
    this.#readerGone = true;
    this.#debug('the reader of the output went away');
    this.#stopFor('the reader of the output went away');
  };

  #watchStops(): void {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
    const out = this.#out;
    if (out.readerMayGo) {
      out.stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE' || err.code === 'ECONNRESET') this.#onReaderGone();
      });
    }
    if (this.#wireshark) void this.#wireshark.exited.then(this.#onReaderGone);
    else if (this.opts.write === '-') this.#watch = watchPipeReader(1, this.#onReaderGone, (why) => this.#debug(`cannot watch the reader of stdout: ${why}`));
  }

  #unwatchStops(): void {
    this.#watch?.stop();
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }

  #outcome(streamEnd: StreamEnd): CaptureOutcome {
    const { opts } = this;
    let end: CaptureEnd;
    let failure: Error | undefined;
    if (streamEnd.kind === 'completed') {
      end = this.#stopCondition !== undefined ? { kind: 'stopped' } : { kind: 'completed' };
    } else if (this.#out.readerMayGo && isReaderGone(streamEnd.error)) {
      this.#stopCondition ??= 'the reader of the output went away';
      end = { kind: 'stopped' };
    } else {
      const error = this.#failure(streamEnd.error);
      end = { kind: 'error', error };
      // Once the reader is gone, how the capture ended has no one left to tell.
      if (!this.#readerGone) failure = error;
    }
    const outcome: CaptureOutcome = { end, bytes: this.#bytes, packets: this.#counter.packets, ...(this.#stopCondition !== undefined ? { stopCondition: this.#stopCondition } : {}) };
    // A capture that failed before its first packet leaves no file behind (it would hold headers
    // at most); one that failed later keeps what it got.
    const noPacket = this.#bytes === 0 || (this.#counter.counting && this.#counter.packets === 0);
    const failed = (error: Error): Error => {
      this.#progress.finish('failed');
      if (noPacket && this.#out.discard) {
        this.#out.discard();
        this.#debug(`removed ${opts.write}: the capture failed before its first packet`);
      }
      return error;
    };
    if (failure) throw failed(failure);
    const late = this.#out.lateError?.();
    if (late) throw failed(new Error(`cannot write the packet capture file ${opts.write}: ${late.message}`));
    this.#progress.finish(end.kind === 'completed' ? 'completed' : `stopped (${this.#stopCondition ?? 'by the client'})`);
    return outcome;
  }

  /** The error the command reports for what ended the capture Observable. */
  #failure(error: unknown): Error {
    const limited = this.opts.count !== undefined || this.opts.maxBytes !== undefined;
    if (limited && error instanceof PcapngFormatError) return new Error(`cannot count packets in the capture stream: ${error.message}`, { cause: error });
    // The output failed (ENOSPC, EIO): said as csharg's Writable API says it.
    if (error instanceof OutputFailedError) {
      return new CaptureWriterError({ target: describeTarget(this.target, this.target.nodeName), url: this.tank.description }, error.detail, { cause: error.cause });
    }
    return asError(error);
  }
}

/** Runs one `csharg capture` to its end; see CaptureCommand. */
export function runCapture(tank: SharkTank, target: Target, opts: CaptureCommandOptions): Promise<CaptureOutcome> {
  return new CaptureCommand(tank, target, opts).run();
}
