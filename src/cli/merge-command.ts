// `csharg merge TARGET… [--host URL]…`: several targets, on one or several hosts, captured at
// once into one time-ordered pcapng (mergeCaptures; interfaces named node/target/interface).
// Each TARGET is captured on every host that has it; a name no host has is an error.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { Subject, lastValueFrom, take, tap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Packet } from '../core/pcapng';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { mergeCaptures } from '../rx/merge';
import { packets, toPcapng } from '../rx/pcapng';
import { capture } from '../rx/shark-tank';
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
  const stop$ = new Subject<string>();
  let why: string | undefined;
  const stopFor = (reason: string): void => {
    why ??= reason;
    stop$.next(reason);
  };
  const out: Writable = opts.write === '-' ? process.stdout : createWriteStream(opts.write, { mode: 0o640 });
  // The listener stays for the stream's whole life: a write that fails after the capture ended
  // (ENOSPC on the last blocks) is reported below, never an uncaught 'error' event.
  let outputError: Error | undefined;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return stopFor('the reader of the output went away');
    outputError ??= err;
    stopFor(`output failed: ${err.message}`);
  });
  const watch = opts.write === '-' ? watchPipeReader(1, () => stopFor('the reader of the output went away')) : undefined;
  const progress = new ProgressLine(process.stderr, opts.quiet);
  let count = 0;
  let bytes = 0;

  const sources: Observable<Packet>[] = picked.map(({ tank, target }) => capture(tank, target, opts).stopWhen(stop$).pipe(packets()));
  let merged = mergeCaptures(sources).pipe(tap(() => count++));
  if (opts.count !== undefined) {
    const n = opts.count;
    merged = merged.pipe(take(n), tap(() => { if (count >= n) why ??= `${n} packets captured`; }));
  }
  const signals = (sig: NodeJS.Signals): void => {
    if (why?.startsWith('stopped by')) process.exit(sig === 'SIGINT' ? 130 : 143);
    stopFor(`stopped by ${sig}`);
  };
  process.on('SIGINT', signals);
  process.on('SIGTERM', signals);
  const timer = opts.stopAfterMs !== undefined ? setTimeout(() => stopFor(`after ${opts.stopAfterMs} ms`), opts.stopAfterMs) : undefined;
  try {
    await lastValueFrom(
      merged.pipe(
        toPcapng(),
        tap((chunk) => {
          bytes += chunk.length;
          progress.update(count, bytes);
          if (!out.destroyed) out.write(chunk);
        }),
      ),
      { defaultValue: undefined },
    );
  } catch (err) {
    progress.finish('failed');
    throw err;
  } finally {
    clearTimeout(timer);
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
