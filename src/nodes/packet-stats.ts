// The packet-stats node: per window (packet time), packets, bytes, pps and bps in total and per
// interface and protocol, with the top talkers — one message per window. One windowed pipeline per
// node instance (rx/stats' windowed, on the analysis' one tumbling-window engine) runs the
// accumulators of windowStats and topTalkers side by side, so that both close the same windows.
// msg.topic "flush" sends the window still open (so does a pause of twice the window length).
// On a live capture (packets stamped close to now, not from a replay) windows also close on time
// when traffic stops: the open window when its end has passed on the wall clock, then one empty
// window (zero counts) per window length, until packets come again (LiveWindowClock).
import { TopTalkersAccumulator } from '../core/analysis/top-talkers';
import { windowStartOf } from '../core/analysis/tumbling-windows';
import type { WindowAccumulator, WindowBounds } from '../core/analysis/tumbling-windows';
import { WindowStatsAccumulator } from '../core/analysis/window-stats';
import type { WindowStats } from '../core/analysis/window-stats';
import type { TopTalkers } from '../core/analysis/top-talkers';
import type { DecodedPacket } from '../core/decode';
import { windowStats, topTalkers, windowed } from '../rx/stats';
import { errorStatus, errorText, failMessage, rejectConfiguration } from './lib/error-status';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';
import { PacketIntake } from './lib/packet-intake';
import { WindowPipeline } from './lib/window-pipeline';

const MIN_IDLE_MS = 1000;
/** A packet stamped at most this long before now comes from a live capture (batches wait up to their ms). */
const LIVE_MAX_LAG_MS = 10_000;
/** How long after a window's end (plus the packets' usual delay) the clock closes it: for packets in flight. */
const LIVE_GRACE_MS = 1000;
/** At most this many quiet windows are sent for one gap (as the operators' maxEmptyWindows) */
const MAX_GAP_WINDOWS = 1000;

type StatsClock = 'auto' | 'live' | 'packet';

function positiveInteger(value: unknown, name: string, fallback: number): number {
  const n = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name}: expected a whole number >= 1, got ${JSON.stringify(value)}`);
  return n;
}

function clockOf(value: unknown): StatsClock {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'live' || value === 'packet') return value;
  throw new RangeError(`clock: expected auto, live or packet, got ${JSON.stringify(value)}`);
}

/**
 * Closes windows on the wall clock while a live capture is quiet. After each batch of packets it
 * waits until the open window's end has passed (by the packets' delay and a grace period), then
 * asks for the window to be closed, and after that for one empty window per window length.
 */
class LiveWindowClock {
  #timer: NodeJS.Timeout | undefined;
  /** how far behind their timestamps the packets arrive (ms) */
  #lag = 0;
  #newest = -Infinity;
  /** end of the last window the clock closed or sent empty; undefined while the packets' windows run */
  #closedUntil: number | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly closeOpen: () => void,
    private readonly emitEmpty: (start: number) => void,
  ) {}

  /** Packets arrived (ms timestamps); `live`: they come from a live capture. */
  seen(timestamps: readonly number[], live: boolean): void {
    this.cancel();
    if (!live || timestamps.length === 0) return;
    const now = Date.now();
    let oldest = Infinity;
    for (const t of timestamps) {
      if (t < oldest) oldest = t;
      if (t > this.#newest) this.#newest = t;
    }
    // measured, not assumed: a clock forced on for old packets then follows them at their delay
    this.#lag = Math.max(0, now - oldest);
    const end = windowStartOf(this.#newest, this.windowMs) + this.windowMs;
    this.#at(end, () => {
      this.closeOpen();
      this.#closedUntil = end;
      this.#empty(end);
    });
  }

  /**
   * Before packets that come after the clock closed windows: sends the quiet windows between the
   * last one closed and the window of `first` (the clock had not reached them yet), so that the
   * windows still follow each other without a gap.
   */
  fillGap(first: number): void {
    const until = this.#closedUntil;
    this.#closedUntil = undefined;
    if (until === undefined) return;
    this.cancel();
    const firstWindow = windowStartOf(first, this.windowMs);
    let sent = 0;
    for (let start = until; start < firstWindow && sent < MAX_GAP_WINDOWS; start += this.windowMs, sent++) this.emitEmpty(start);
  }

  /** Forgets the packets seen: the next ones start afresh (after a flush, a new capture). */
  reset(): void {
    this.cancel();
    this.#newest = -Infinity;
    this.#closedUntil = undefined;
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #empty(start: number): void {
    this.#at(start + this.windowMs, () => {
      this.emitEmpty(start);
      this.#closedUntil = start + this.windowMs;
      this.#empty(start + this.windowMs);
    });
  }

  /** Runs `fn` when the wall clock has passed packet time `t` (plus the delay and the grace). */
  #at(t: number, fn: () => void): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      fn();
    }, Math.max(0, t + this.#lag + LIVE_GRACE_MS - Date.now()));
  }
}

/** A window's statistics and its top talkers, from the accumulators windowStats and topTalkers use. */
class StatsAndTalkers implements WindowAccumulator<DecodedPacket, [WindowStats, TopTalkers]> {
  readonly #stats = new WindowStatsAccumulator();
  readonly #talkers: TopTalkersAccumulator;

  constructor(k: number) {
    this.#talkers = new TopTalkersAccumulator(k);
  }

  add(packet: DecodedPacket): void {
    this.#stats.add(packet);
    this.#talkers.add(packet);
  }

  close(bounds: WindowBounds): [WindowStats, TopTalkers] {
    return [this.#stats.close(bounds), this.#talkers.close(bounds)];
  }

  get empty(): boolean {
    return this.#stats.empty && this.#talkers.empty;
  }
}

/** Whether a message's packets are live: not from a replay (msg.replay), stamped close to now. */
function looksLive(msg: NodeMessage, timestamps: readonly number[]): boolean {
  if (msg.replay !== undefined || timestamps.length === 0) return false;
  const now = Date.now();
  const newest = timestamps.reduce((m, t) => (t > m ? t : m), -Infinity);
  return newest <= now + LIVE_GRACE_MS && now - newest <= LIVE_MAX_LAG_MS;
}

export = function register(RED: NodeAPI): void {
  function PacketStats(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    let windowMs: number;
    let k: number;
    let clockSetting: StatsClock;
    try {
      windowMs = positiveInteger(def.windowMs, 'window', 1000);
      k = positiveInteger(def.topK, 'top talkers', 5);
      clockSetting = clockOf(def.clock);
      // checks the arguments the operators will get
      windowStats(windowMs);
      topTalkers(windowMs, k);
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const intake = new PacketIntake();
    let topic: string | undefined;
    let windows = 0;
    /** the window being emitted is closed by the clock: its end has passed, it is complete */
    let closingOnTime = false;

    const emit = (stats: WindowStats, talkers: TopTalkers): void => {
      windows++;
      const complete = stats.complete || closingOnTime;
      node.send({ topic, payload: { ...stats, complete, talkers: talkers.talkers, untrackedPackets: talkers.untrackedPackets } });
      node.status({ fill: stats.packets > 0 ? 'green' : 'grey', shape: 'dot', text: RED._('packet-stats.status.window', { packets: stats.packets, pps: Math.round(stats.pps), windows }) });
    };

    const pipeline = new WindowPipeline<[WindowStats, TopTalkers]>(
      (packets) => packets.pipe(windowed('packet-stats', windowMs, undefined, () => new StatsAndTalkers(k))),
      ([stats, talkers]) => emit(stats, talkers),
      (err) => {
        clock.cancel();
        node.status(errorStatus(err));
        node.error(errorText(err), {});
      },
      Math.max(2 * windowMs, MIN_IDLE_MS),
    );

    const clock = new LiveWindowClock(
      windowMs,
      () => {
        closingOnTime = true;
        try {
          pipeline.flush();
        } finally {
          closingOnTime = false;
        }
      },
      (start) => {
        // an empty window, from the same accumulators the operators use
        const bounds = { start, end: start + windowMs, durationMs: windowMs, complete: true };
        emit(...new StatsAndTalkers(k).close(bounds));
      },
    );

    node.on('input', (msg: NodeMessage, _send: SendFunction, done: DoneFunction) => {
      try {
        if (msg.topic === 'flush') {
          clock.reset();
          pipeline.flush();
          return done();
        }
        topic = typeof msg.topic === 'string' ? msg.topic : undefined;
        const packets: DecodedPacket[] = intake.packets(msg.payload, typeof msg.topic === 'string' ? msg.topic : '').map((i) => i.packet);
        if (packets.length === 0) return done();
        const timestamps = packets.flatMap((p) => (p.timestampMs === null || p.timestampMs === undefined ? [] : [p.timestampMs]));
        const live = clockSetting === 'live' || (clockSetting === 'auto' && looksLive(msg, timestamps));
        if (timestamps.length > 0) clock.fillGap(timestamps.reduce((m, t) => (t < m ? t : m), Infinity));
        pipeline.push(packets);
        clock.seen(timestamps, live && clockSetting !== 'packet');
        // the clock closes the windows of live packets (complete); the pause flush is for the rest
        if (live && clockSetting !== 'packet' && timestamps.length > 0) pipeline.cancelIdle();
        done();
      } catch (err) {
        failMessage(node, err, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      clock.cancel();
      pipeline.stop();
      done();
    });
  }
  RED.nodes.registerType('packet-stats', PacketStats);
};
