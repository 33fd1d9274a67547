// A capture on this machine: Debian's dumpcap run inside the target's network namespace, its
// pcapng output exposed as a Readable. Stopping sends SIGTERM by PID and still delivers all that
// dumpcap writes on its way out (its Interface Statistics Blocks included). No dumpcap outlives
// its capture: a consumer that goes away stops it, a stop that hangs ends in SIGKILL, and the
// exit of this process kills whatever still runs.

import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../capture-source';
import { ShbEditor } from '../shb/shb-editor';
import type { CaptureTargetMetadata } from '../shb/shb-editor';
import type { CaptureOptions, Target } from '../target';
import { missingCapabilities, ownCapabilities } from './capabilities';
import { describeTarget } from '../describe-target';
import { captureInterfaces, dumpcapArguments } from './dumpcap-args';
import { dumpcapFailure } from './dumpcap-failure';
import { CapturePrivilegeError } from './errors';
import { spawnInNetns } from './netns-spawn';
import { reapOnExit, signalChild } from './process-reaper';
import { openTargetNetns } from './target-netns';
import { checkDumpcap, checkNsenter, resolveTools } from './tools';
import { asError } from '../errors';

export interface LocalCaptureOptions extends CaptureOptions {
  /** dumpcap to run; default /usr/bin/dumpcap */
  dumpcap?: string;
  /** nsenter to enter namespaces with; default /usr/bin/nsenter */
  nsenter?: string;
  /** how long a stop waits after SIGTERM before SIGKILL; default 10000 ms */
  stopTimeoutMs?: number;
  /**
   * when set, the first section header block's comment carries this capture target information
   * (a function gets the target as completed)
   */
  metadata?: CaptureTargetMetadata | ((target: Target) => CaptureTargetMetadata);
}

/** A running local capture. */
export interface LocalCapture extends CaptureSession {
  /** the pcapng stream; it ends when dumpcap has exited and all it wrote was passed on */
  readonly output: Readable;
  /** resolves when dumpcap has written its first bytes (capturing); rejects if it ends before */
  readonly started: Promise<void>;
  /** why the capture ended; never rejects */
  readonly ended: Promise<CaptureEnd>;
  /** dumpcap's PID once it runs */
  readonly pid: number | undefined;
}

const STDERR_LIMIT = 64 * 1024;


class DumpcapRun implements LocalCapture {
  readonly output = new PassThrough({ highWaterMark: 64 * 1024 });
  readonly started: Promise<void>;
  readonly ended: Promise<CaptureEnd>;
  #resolveStarted!: () => void;
  #rejectStarted!: (error: Error) => void;
  #resolveEnded!: (end: CaptureEnd) => void;
  #child: ChildProcess | undefined;
  #stopRequested = false;
  #finished = false;
  #hasStarted = false;
  #exited = false;
  #stderr = '';
  #editor: ShbEditor | undefined;
  #editFailure: Error | undefined;
  #what: string;
  readonly #tools;
  readonly #stopTimeoutMs: number;

  /** `target` names the capture until `resolved` (its completion from discovery) settles. */
  constructor(
    target: Target,
    private readonly resolved: Promise<Target>,
    private readonly options: LocalCaptureOptions,
  ) {
    this.#what = describeTarget(target);
    this.#tools = resolveTools(options);
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.started = new Promise<void>((resolve, reject) => {
      this.#resolveStarted = resolve;
      this.#rejectStarted = reject;
    });
    this.started.catch(() => undefined);
    this.ended = new Promise<CaptureEnd>((resolve) => {
      this.#resolveEnded = resolve;
    });
    // The consumer destroying the output (or erroring it) means nobody reads: stop dumpcap.
    this.output.on('error', () => undefined);
    this.output.on('close', () => {
      if (!this.#finished) void this.stop();
    });
    void this.#start();
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #start(): Promise<void> {
    let netns;
    let target: Target;
    try {
      target = await this.resolved;
      this.#what = describeTarget(target);
      const metadata = this.options.metadata;
      if (metadata) this.#editor = new ShbEditor(typeof metadata === 'function' ? metadata(target) : metadata);
      await checkDumpcap(this.#tools.dumpcap);
      netns = await openTargetNetns(target);
    } catch (error) {
      this.#finish({ kind: 'error', error: asError(error) });
      return;
    }
    try {
      if (!netns.own) {
        await checkNsenter(this.#tools.nsenter);
        const caps = await ownCapabilities();
        if (caps !== undefined && missingCapabilities(caps, ['CAP_SYS_ADMIN']).length > 0) {
          throw new CapturePrivilegeError(['CAP_SYS_ADMIN'], `entering the network namespace of ${this.#what} needs CAP_SYS_ADMIN, which this process lacks`);
        }
      }
      if (this.#stopRequested) {
        this.#finish({ kind: 'stopped' });
        return;
      }
      const args = dumpcapArguments(captureInterfaces(target, this.options), this.options);
      this.#run(spawnInNetns({ netns, nsenter: this.#tools.nsenter, program: this.#tools.dumpcap, args }));
    } catch (error) {
      this.#finish({ kind: 'error', error: asError(error) });
    } finally {
      // The child has its own copy of the descriptor (or never got one).
      await netns.file.close().catch(() => undefined);
    }
  }

  #run(child: ChildProcess): void {
    this.#child = child;
    reapOnExit(child);
    const stdout = child.stdout as Readable;
    const stderr = child.stderr as Readable;
    stderr.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < STDERR_LIMIT) this.#stderr += chunk.toString('utf8');
    });
    stdout.on('data', (chunk: Buffer) => this.#deliver(chunk, stdout));
    this.output.on('drain', () => stdout.resume());
    child.once('error', (error) => {
      // The spawn itself failed (no 'close' follows when nothing was started).
      if (child.pid === undefined) this.#finish({ kind: 'error', error });
    });
    // Once dumpcap is gone, what is left in its pipe is bounded: take it all, so that 'close'
    // (which waits for stdout to end) comes even while the consumer does not read.
    child.once('exit', () => {
      this.#exited = true;
      stdout.resume();
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => this.#closed(code, signal));
  }

  #deliver(chunk: Buffer, stdout: Readable): void {
    if (!this.#hasStarted) {
      this.#hasStarted = true;
      this.#resolveStarted();
    }
    if (this.output.destroyed || this.#editFailure) return; // nobody reads: drain dumpcap's pipe
    let pieces: Buffer[] = [chunk];
    if (this.#editor) {
      try {
        pieces = this.#editor.write(chunk);
      } catch (error) {
        this.#editFailure = asError(error);
        void this.stop();
        return;
      }
    }
    let more = true;
    for (const piece of pieces) more = this.output.write(piece) && more;
    if (!more && !this.#exited) stdout.pause();
  }

  #closed(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#editor && !this.#editFailure && this.#hasStarted && (code === 0 || this.#stopRequested)) {
      try {
        // A stream that ended inside its first SHB is an error, never silently dropped bytes.
        this.#editor.end();
      } catch (error) {
        this.#editFailure = asError(error);
      }
    }
    if (this.#editFailure) return this.#finish({ kind: 'error', error: this.#editFailure });
    const ours = this.#stopRequested && (code === 0 || signal === 'SIGTERM' || signal === 'SIGKILL');
    if (ours) return this.#finish({ kind: 'stopped' });
    if (code === 0) return this.#finish(this.#stopRequested ? { kind: 'stopped' } : { kind: 'completed' });
    this.#finish({ kind: 'error', error: dumpcapFailure(this.#what, this.#stderr, code, signal, this.#tools.dumpcap) });
  }

  #finish(end: CaptureEnd): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#hasStarted) {
      this.#rejectStarted(end.kind === 'error' ? end.error : new Error(`the capture of ${this.#what} ended before dumpcap wrote anything`));
    }
    if (!this.output.destroyed) this.output.end();
    this.#resolveEnded(end);
  }

  stop(): Promise<CaptureEnd> {
    if (this.#finished || this.#stopRequested) return this.ended;
    this.#stopRequested = true;
    const child = this.#child;
    if (child && signalChild(child, 'SIGTERM')) {
      const timer = setTimeout(() => signalChild(child, 'SIGKILL'), this.#stopTimeoutMs);
      timer.unref();
      child.once('close', () => clearTimeout(timer));
      // A consumer that stopped reading must not keep dumpcap from writing its last blocks.
      if (this.output.destroyed) child.stdout?.resume();
    }
    return this.ended;
  }

  pause(): void {
    this.output.pause();
  }

  resume(): void {
    this.output.resume();
  }
}

/**
 * Starts dumpcap in the target's network namespace: on `options.nifs`, else the target's
 * interfaces, else `any`, with the filter applied to every interface. Failures (dumpcap missing,
 * not enough privilege, target gone, dumpcap's own errors) arrive through `ended` (and reject
 * `started`), never as a throw.
 */
export function startLocalCapture(target: Target, options: LocalCaptureOptions = {}): LocalCapture {
  return new DumpcapRun(target, Promise.resolve(target), options);
}

/**
 * Like startLocalCapture, for a target still being completed: `completed` settles to the target
 * to capture (a rejection ends the capture with that error); `target` names it until then.
 */
export function startLocalCaptureOf(target: Target, completed: Promise<Target>, options: LocalCaptureOptions = {}): LocalCapture {
  return new DumpcapRun(target, completed, options);
}

/**
 * A local capture as handler callbacks (the SharkTank contract): every chunk goes to `onChunk`,
 * then `onEnd` exactly once, after the last chunk.
 */
export function localCaptureSession(capture: LocalCapture, handlers: CaptureHandlers): CaptureSession {
  capture.output.on('data', (chunk: Buffer) => handlers.onChunk(chunk));
  const drained = new Promise<void>((resolve) => {
    capture.output.once('end', resolve);
    capture.output.once('close', resolve);
  });
  void Promise.all([capture.ended, drained]).then(([end]) => handlers.onEnd(end));
  return {
    stop: () => capture.stop(),
    pause: () => capture.pause(),
    resume: () => capture.resume(),
  };
}
