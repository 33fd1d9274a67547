// csharg's StartCaptureStream: a capture on a WebSocket the caller connected (through their own
// agent or proxy), SHB-edited into a Writable.

import type { Writable } from 'node:stream';
import type WebSocket from 'ws';
import { attachCaptureSocket } from './capture-socket';
import { streamCaptureInto } from '../capture-streamer';
import type { CaptureStreamer } from '../capture-streamer';
import { withShbEdit } from '../shb/edited-session';
import { captureTargetMetadata } from '../shb/shb-editor';
import type { CaptureOptions, Target } from '../target';
import { describeTarget } from '../describe-target';

export interface StartCaptureStreamOptions extends CaptureOptions {
  /** how long stop() waits for the Close echo (ms, default 5000) */
  stopTimeout?: number;
  /** node name for the SHB's capture target block when the target has none */
  nodeName?: string;
}

/**
 * Streams the capture arriving on `websocket` (connecting or open, created with
 * `captureClientOptions` or equivalent) into `writable`. The writable is not ended.
 */
export function startCaptureStream(writable: Writable, websocket: WebSocket, target: Target, options: StartCaptureStreamOptions = {}): CaptureStreamer {
  const targetDescription = describeTarget(target, options.nodeName);
  const metadata = captureTargetMetadata(target, options, options.nodeName);
  const open = withShbEdit(metadata, (handlers) =>
    attachCaptureSocket(websocket, { targetDescription, ...(options.stopTimeout !== undefined ? { stopTimeoutMs: options.stopTimeout } : {}) }, handlers),
  );
  return streamCaptureInto(writable, open, { target: targetDescription, url: websocket.url });
}
