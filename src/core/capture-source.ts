// The contract every capture source fulfils (the Edgeshark host client, the local dumpcap source,
// a fleet of hosts), so that the RxJS face, the CLI and the Node-RED nodes work with any of them.

/** Why a capture ended. */
export type CaptureEnd =
  /** the server (or dumpcap) finished the capture by itself */
  | { kind: 'completed' }
  /** the client asked for the stop (stop(), unsubscribe, a stop condition) */
  | { kind: 'stopped' }
  /** a typed error: handshake, server-reported failure, connection lost, protocol, writer */
  | { kind: 'error'; error: Error };

export interface CaptureHandlers {
  /** one piece of the (SHB-edited) pcapng stream; boundaries do not follow blocks */
  onChunk(chunk: Buffer): void;
  /** called exactly once */
  onEnd(end: CaptureEnd): void;
}

/** A running capture. */
export interface CaptureSession {
  /** graceful stop: data in flight is still delivered; resolves with the end (idempotent) */
  stop(): Promise<CaptureEnd>;
  /** stop reading (backpressure); the server's kernel drops packets instead of this process growing */
  pause(): void;
  resume(): void;
}
