// `csharg merge TARGET… [--host URL]…`: several targets, on one or several hosts, captured at
// once into one time-ordered pcapng (mergeCaptures; interfaces named node/target/interface).
// Each TARGET is captured on every host that has it; a name no host has is an error. The stop
// conditions are the library's operators after the merge: each stops every capture gracefully.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { Subject, identity, lastValueFrom, tap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Packet } from '../core/pcapng';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { stopAfterPackets } from '../rx/limits';
import { mergeCaptures } from '../rx/merge';
import { packets, toPcapng } from '../rx/pcapng';
import { capture } from '../rx/shark-tank';
import { stopAfter, stopWhen } from '../rx/stop-after';
import { OutputFailedError, writeChunks } from '../rx/write';
import { OUTPUT_BUFFER_BYTES } from './capture-command';
import { ProgressLine } from './progress';
import { watchPipeReader } from './reader-watch';
import { resolveTarget } from './resolve-target';

export interface MergeCommandOptions extends CaptureOptions {
  write: string;
  stopAfterMs?: number;
  count?: number;
  quiet: boolean;
}

/** The targets named on each tank; a name found on no tank is an error, on several is fine. */
export async function mergeTargets(tanks: readonly SharkTank[], names: readonly string[]): Promise<{ tank: SharkTank; target: Target }[]> {
  const lists = await Promise.all(tanks.map((tank) => tank.targets()));
  const picked: { tank: SharkTank; target: Target }[] = [];
  for (const name of names) {
    const found = tanks.flatMap((tank, i) => (lists[i]!.some((t) => t.name === name) ? [{ tank, target: resolveTarget(lists[i]!, { name }) }] : []));
    if (found.length === 0) throw new Error(`capture target "${name}" not found on ${tanks.map((t) => t.description).join(', ')}`);
    picked.push(...found);
  }
  return picked;
}

export async function runMerge(tanks: readonly SharkTank[], names: readonly string[], opts: MergeCommandOptions): Promise<void> {
  const picked = await mergeTargets(tanks, names);
  const stop$ = new Subject<void>();
  let why: string | undefined;
  const stopping = (reason: string): void => {
    why ??= reason;
  };
  const stopFor = (reason: string): void => {
    stopping(reason);
    stop$.next();
  };
  const out: Writable = opts.write === '-' ? process.stdout : createWriteStream(opts.write, { mode: 0o640, highWaterMark: OUTPUT_BUFFER_BYTES });
  // The listener stays for the stream's whole life: a write that fails after the capture ended
  // (ENOSPC on the last blocks) is reported below, never an uncaught 'error' event.
  let outputError: Error | undefined;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return stopFor('the reader of the output went away');
    outputError ??= err;
  });
  const watch = opts.write === '-' ? watchPipeReader(1, () => stopFor('the reader of the output went away')) : undefined;
  const progress = new ProgressLine(process.stderr, opts.quiet);
  let count = 0;
  let bytes = 0;

  const { nifs, filter, avoidPromiscuousMode } = opts;
  const captureOptions: CaptureOptions = {
    ...(nifs !== undefined ? { nifs } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(avoidPromiscuousMode !== undefined ? { avoidPromiscuousMode } : {}),
  };
  const sources: Observable<Packet>[] = picked.map(({ tank, target }) => capture(tank, target, captureOptions).pipe(packets()));
  const { count: maxCount, stopAfterMs } = opts;
  const signals = (sig: NodeJS.Signals): void => {
    if (why?.startsWith('stopped by')) process.exit(sig === 'SIGINT' ? 130 : 143);
    stopFor(`stopped by ${sig}`);
  };
  process.on('SIGINT', signals);
  process.on('SIGTERM', signals);
  try {
    await lastValueFrom(
      mergeCaptures(sources).pipe(
        stopWhen(stop$),
        stopAfterMs !== undefined ? stopAfter(stopAfterMs, { onStop: () => stopping(`after ${stopAfterMs} ms`) }) : identity,
        maxCount !== undefined ? stopAfterPackets(maxCount, { onStop: () => stopping(`${maxCount} packets captured`) }) : identity,
        tap(() => count++),
        toPcapng(),
        writeChunks(out),
        tap((chunk) => {
          bytes += chunk.length;
          progress.update(count, bytes);
        }),
      ),
      { defaultValue: undefined },
    );
  } catch (err) {
    if (!(err instanceof OutputFailedError)) {
      progress.finish('failed');
      throw err;
    }
    const cause = err.cause as NodeJS.ErrnoException | undefined;
    if (cause === undefined || cause.code === 'EPIPE') stopping('the reader of the output went away');
    else outputError ??= cause;
  } finally {
    watch?.stop();
    process.off('SIGINT', signals);
    process.off('SIGTERM', signals);
    if (out !== process.stdout) {
      out.end();
      // Settles on finish and on a failed last write alike (that error is outputError).
      await finished(out).catch(() => undefined);
    }
  }
  if (outputError) {
    progress.finish('failed');
    throw new Error(`cannot write the packet capture file ${opts.write}: ${outputError.message}`);
  }
  progress.finish(why ? `stopped (${why})` : 'completed');
}
