// The progress line on stderr while capturing: only when stderr is a terminal, redrawn twice a
// second (also while no packet flows, so the elapsed time moves), and a one-line summary at the
// end. `--quiet` silences both.

export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function clock(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export interface ProgressFigures {
  packets: number;
  bytes: number;
  elapsedMs: number;
}

/** The live line: `1234 packets  1.2 MiB  85.3 KiB/s  0:12`. */
export function formatProgress(f: ProgressFigures): string {
  const rate = f.elapsedMs > 0 ? (f.bytes * 1000) / f.elapsedMs : 0;
  return `${f.packets} packet${f.packets === 1 ? '' : 's'}  ${humanBytes(f.bytes)}  ${humanBytes(rate)}/s  ${clock(f.elapsedMs)}`;
}

/** The summary: `capture stopped (10 packets captured): 10 packets, 1.1 KiB in 2.3 s`. */
export function formatSummary(how: string, f: ProgressFigures): string {
  return `capture ${how}: ${f.packets} packet${f.packets === 1 ? '' : 's'}, ${humanBytes(f.bytes)} in ${(f.elapsedMs / 1000).toFixed(1)} s`;
}

export class ProgressLine {
  private readonly started = Date.now();
  private readonly live: boolean;
  private readonly timer: NodeJS.Timeout | undefined;
  private figures = { packets: 0, bytes: 0 };

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {
    this.live = !quiet && stream.isTTY === true;
    if (this.live) {
      this.timer = setInterval(() => this.draw(), 500);
      this.timer.unref();
    }
  }

  update(packets: number, bytes: number): void {
    this.figures = { packets, bytes };
  }

  private draw(): void {
    this.stream.write(`\r\x1b[K${formatProgress({ ...this.figures, elapsedMs: Date.now() - this.started })}`);
  }

  /** Ends the live line and prints the summary (`how`: completed, stopped (why), failed). */
  finish(how: string): void {
    clearInterval(this.timer);
    if (this.quiet) return;
    if (this.live) this.stream.write('\r\x1b[K');
    this.stream.write(`${formatSummary(how, { ...this.figures, elapsedMs: Date.now() - this.started })}\n`);
  }
}
