// Why a followed capture ended for good, and the "target has left" condition it reconnects on.

import { CshargError } from '../errors';

/** Why following stopped: an error retrying cannot fix, or the retry bounds ran out. */
export type FollowStopReason = 'not-retryable' | 'max-attempts' | 'give-up-after';

/** A followed capture stopped retrying; `cause` is the last capture error. */
export class CaptureFollowError extends CshargError {
  constructor(
    readonly reason: FollowStopReason,
    /** the target, described for humans */
    readonly target: string,
    /** reconnection attempts made since the capture last ran */
    readonly attempts: number,
    /** why, in words (e.g. `the server answered HTTP 401 ...`) */
    readonly why: string,
    options?: { cause?: unknown },
  ) {
    super(reason === 'not-retryable' ? 'CAPTURE_FOLLOW_NOT_RETRYABLE' : 'CAPTURE_FOLLOW_GAVE_UP', `following the capture of ${target} stopped: ${why}`, options);
  }
}

/**
 * Discovery no longer shows the followed target as it was: another namespace now has its name,
 * or no target has its namespace any more (a capture that ended by itself, or the watch noticed).
 */
export class TargetLeftError extends CshargError {
  constructor(
    readonly target: string,
    detail: string,
  ) {
    super('FOLLOW_TARGET_LEFT', `capture target left: ${target}: ${detail}`);
  }
}
