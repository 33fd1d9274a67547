// Recovers the reason of Packetflix's failure close from the raw bytes the socket received.
//
// Packetflix ends a failed capture with a Close frame carrying code 1006, which RFC 6455 reserves
// and `ws` therefore rejects (WS_ERR_INVALID_CLOSE_CODE) without telling the reason. The client
// keeps the last few hundred received bytes; when ws rejects the frame, that frame is the last
// thing the server sent, so it ends exactly at the end of the kept tail.

/** Enough for the largest control frame (2 header bytes + 125 payload bytes) with room to spare. */
export const CLOSE_FRAME_TAIL_BYTES = 384;

/** A bounded record of the last bytes received on a socket. */
export class ReceivedTail {
  private tail: Buffer = Buffer.alloc(0);

  constructor(private readonly limit = CLOSE_FRAME_TAIL_BYTES) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const keepFromChunk = chunk.subarray(Math.max(0, chunk.length - this.limit));
    const keepFromTail = this.tail.subarray(Math.max(0, this.tail.length - (this.limit - keepFromChunk.length)));
    // A fresh copy, so that the socket's (possibly large) chunk is not kept alive.
    this.tail = Buffer.concat([keepFromTail, keepFromChunk]);
  }

  bytes(): Buffer {
    return this.tail;
  }
}

export interface RecoveredClose {
  code: number;
  reason: string;
}

/**
 * The unmasked, unfragmented Close frame with status `code` that ends exactly at the end of
 * `received`, if there is one. Scans backwards over every possible payload length (2..125).
 */
export function closeFrameAtEnd(received: Buffer, code = 1006): RecoveredClose | undefined {
  for (let payloadLength = 2; payloadLength <= 125; payloadLength++) {
    const start = received.length - payloadLength - 2;
    if (start < 0) break;
    if (received[start] !== 0x88 || received[start + 1] !== payloadLength) continue;
    if (received.readUInt16BE(start + 2) !== code) continue;
    const reason = received.subarray(start + 4);
    return { code, reason: decodeReason(reason) };
  }
  return undefined;
}

function decodeReason(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not valid UTF-8: still show what there is rather than nothing.
    return bytes.toString('latin1');
  }
}
