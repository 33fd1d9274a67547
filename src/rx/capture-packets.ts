import type { Observable } from 'rxjs';
import type { Block, Packet } from '../core/pcapng';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { capture } from './shark-tank';
import { packets, pcapngBlocks } from './pcapng';

/**
 * One target's live capture as parsed pcapng blocks. The stop operators (`stopAfter`,
 * `stopAfterPackets`, `stopAfterBytes`, `stopWhen`) stop it gracefully wherever they sit:
 * `captureBlocks(tank, t).pipe(stopAfter(ms))` still delivers the blocks in flight.
 */
export function captureBlocks(tank: SharkTank, target: Target, options: CaptureOptions = {}): Observable<Block> {
  return capture(tank, target, options).pipe(pcapngBlocks());
}

/** One target's live capture as packets (timestamps, interface names, data views). */
export function capturePackets(tank: SharkTank, target: Target, options: CaptureOptions = {}): Observable<Packet> {
  return capture(tank, target, options).pipe(packets());
}
