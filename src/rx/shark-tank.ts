import { defer, from } from 'rxjs';
import type { Observable } from 'rxjs';
import type { SharkTank } from '../core/shark-tank';
import type { CaptureOptions, Target } from '../core/target';
import { CaptureObservable } from './capture-observable';

/** The tank's targets, fetched anew for each subscription (cold). */
export function targets(tank: SharkTank): Observable<Target[]> {
  return defer(() => from(tank.targets()));
}

/**
 * One target's live capture as pcapng chunks (`Buffer`s, SHB edited): each subscription opens
 * its own capture; unsubscribing stops it gracefully; `stopAfter` right after it stops it
 * gracefully too, still delivering what was in flight.
 */
export function capture(tank: SharkTank, target: Target, options: CaptureOptions = {}): CaptureObservable {
  return new CaptureObservable((handlers) => tank.openCapture(target, options, handlers));
}
