// A client heartbeat for a long-lived connection to a server that never pings on its own
// (Packetflix): a ping every interval; a whole interval after a ping with nothing heard (no pong,
// no data) means the server or the path to it stopped answering. A frozen server (SIGSTOP) or a
// black-holed network keeps TCP open for a long time, so only this notices it.

/** Default heartbeat interval and timeout of capture sockets (ms). */
export const DEFAULT_HEARTBEAT_MS = 15_000;

export interface HeartbeatHooks {
  /** sends a ping; may throw when the connection is already going away */
  ping(): void;
  /** nothing heard for a whole interval after a ping; called once */
  silent(): void;
}

/**
 * Detects silence within (intervalMs, 2 × intervalMs] of the last byte received. Suspend it while
 * the reader is paused on purpose (no bytes are read then, pongs included).
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private heardSincePing = true;
  private pinged = false;
  private done = false;

  constructor(
    /** 0 or less = off */
    private readonly intervalMs: number,
    private readonly hooks: HeartbeatHooks,
  ) {}

  /** Starts (or restarts after `suspend`) the heartbeat; counts as having heard from the server. */
  start(): void {
    if (this.done || this.intervalMs <= 0 || this.timer) return;
    this.heardSincePing = true;
    this.pinged = false;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // The connection keeps the process alive, never the heartbeat alone.
    this.timer.unref();
  }

  /** Anything received (data, pong, close): the server is alive. */
  heard(): void {
    this.heardSincePing = true;
  }

  /** Stops checking until `start` (e.g. while reading is paused for backpressure). */
  suspend(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops for good. */
  stop(): void {
    this.done = true;
    this.suspend();
  }

  private tick(): void {
    // A tick already queued when the interval was cleared must do nothing.
    if (this.done || !this.timer) return;
    if (this.pinged && !this.heardSincePing) {
      this.stop();
      this.hooks.silent();
      return;
    }
    this.heardSincePing = false;
    this.pinged = true;
    try {
      this.hooks.ping();
    } catch {
      // The connection is closing; its own end is reported elsewhere.
    }
  }
}
