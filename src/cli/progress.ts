// The progress line on stderr while capturing: only when stderr is a terminal, redrawn at most
// a few times a second, and a one-line summary at the end.
import type { CaptureEnd } from '../core/capture-source';

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export class ProgressLine {
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly live: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {
    this.live = !quiet && stream.isTTY === true;
  }

  update(bytes: number): void {
    if (!this.live) return;
    const now = Date.now();
    if (now - this.lastDraw < 250) return;
    this.lastDraw = now;
    const secs = (now - this.started) / 1000;
    this.stream.write(`\r\x1b[K${human(bytes)} in ${secs.toFixed(0)} s (${human(bytes / Math.max(secs, 0.001))}/s)`);
  }

  finish(bytes: number, end: CaptureEnd): void {
    if (this.quiet) return;
    const secs = (Date.now() - this.started) / 1000;
    const how = end.kind === 'error' ? 'failed' : end.kind;
    if (this.live) this.stream.write('\r\x1b[K');
    this.stream.write(`capture ${how}: ${human(bytes)} in ${secs.toFixed(1)} s\n`);
  }
}
