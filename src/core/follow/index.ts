// core/follow: the pieces of a followed capture (`csharg capture --follow`, `captureFollow`) that
// need no RxJS: the reconnection backoff, which errors to reconnect after (policy), finding the
// target again under its name (match), and the pcapng side of a reconnect: whole blocks only
// (block-aligner) and a new section whose SHB comment marks the gap (gap). The loop itself is
// src/rx/follow.ts.
//
// May import: the shared model at src/core/ root, core/pcapng/, core/shb/ (the SHB a gap is marked
// in) and core/local/ (its error types, for the policy); never RxJS, src/rx/, src/nodes/ or src/cli/ (docs/architecture.md).

export { checkFollowBackoff, followBackoffDelayMs } from './backoff';
export type { FollowBackoff } from './backoff';
export { PcapngBlockAligner } from './block-aligner';
export { CaptureFollowError, TargetLeftError } from './errors';
export type { FollowStopReason } from './errors';
export { followGapComment, withShbComment } from './gap';
export type { FollowGap } from './gap';
export { isFollowedTarget, targetLeftReason, targetsNamedLike } from './match';
export { followVerdict } from './policy';
export type { FollowVerdict } from './policy';
