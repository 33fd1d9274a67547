// Letting a reader that waits on Wireshark's FIFO go, when a capture fails before it starts
// (kept apart from capture.ts, which loads the whole library, so that errors stay cheap).
import { closeSync, constants, openSync } from 'node:fs';

/**
 * Lets a reader that waits on the FIFO go (it reads an end at once), when the capture failed
 * before it began: dumpcap may already wait in open() for a writer that will never come, and
 * Wireshark would wait with it. Opens without blocking (no reader yet: tries again for a while).
 */
export async function releaseFifoReader(fifo: string, waitMs = 3000): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      return;
    } catch (err) {
      // ENXIO: no reader (yet); anything else (ENOENT: gone) ends the attempt
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() >= until) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
