// Puts the SHB editor between a capture session and its consumer: the client rewrites the
// server's capture target block with its own (node name filled in), as csharg does.

import type { CaptureHandlers, CaptureSession } from '../capture-source';
import type { CaptureSessionOpener } from '../capture-streamer';
import { ShbEditor } from './shb-editor';
import type { CaptureTargetMetadata } from './shb-editor';
import { asError } from '../errors';

/**
 * The same opener, with every chunk passed through a fresh SHB editor per session. An SHB the
 * editor cannot take (too large, malformed) stops the capture gracefully and ends it with the
 * editor's error; a stream that ends inside the SHB ends with SHB_TRUNCATED rather than
 * dropping those bytes silently.
 */
export function withShbEdit(metadata: CaptureTargetMetadata, open: CaptureSessionOpener): CaptureSessionOpener {
  return (handlers: CaptureHandlers): CaptureSession => {
    const editor = new ShbEditor(metadata);
    let editFailure: Error | undefined;
    // A holder, because an opener may report before it has returned the session.
    const opened: { session?: CaptureSession } = {};
    opened.session = open({
      onChunk(chunk) {
        if (editFailure) return;
        let pieces: Buffer[];
        try {
          pieces = editor.write(chunk);
        } catch (err) {
          editFailure = asError(err);
          void opened.session?.stop();
          return;
        }
        for (const piece of pieces) handlers.onChunk(piece);
      },
      onEnd(end) {
        if (!editFailure && end.kind !== 'error') {
          try {
            for (const piece of editor.end()) handlers.onChunk(piece);
          } catch (err) {
            editFailure = asError(err);
          }
        }
        handlers.onEnd(editFailure ? { kind: 'error', error: editFailure } : end);
      },
    });
    return opened.session;
  };
}
