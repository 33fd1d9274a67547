import { defer, from } from 'rxjs';
import type { Observable, ObservableInput } from 'rxjs';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { CaptureObservable } from './capture-observable';

/** The tank's targets, fetched anew for each subscription (cold). */
export function targets(tank: SharkTank): Observable<Target[]> {
  return defer(() => from(tank.targets()));
}

export interface RxCaptureOptions extends CaptureOptions {
  /**
   * The graceful stop from outside the pipe (a button, a signal, another stream): when it first
   * emits (or ends), the capture stops the way a capture should: what is in flight is still
   * delivered, then the Observable completes. Each subscription listens to it afresh.
   */
  readonly stop?: ObservableInput<unknown>;
}

/**
 * One target's live capture as pcapng chunks (`Buffer`s, SHB edited): each subscription opens
 * its own capture; unsubscribing stops it gracefully; `options.stop` and the stop operators
 * (`stopAfter`, `stopAfterPackets`, `stopAfterBytes`, `stopWhen`) anywhere further down the pipe
 * stop it gracefully too, still delivering what was in flight.
 */
export function capture(tank: SharkTank, target: Target, options: RxCaptureOptions = {}): CaptureObservable {
  const { stop, ...captureOptions } = options;
  return new CaptureObservable((handlers) => tank.openCapture(target, captureOptions, handlers), stop);
}
