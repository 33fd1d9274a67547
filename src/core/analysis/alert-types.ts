// What alert rules read of a packet, what they emit, and how they are written down. Rules take
// decoded packets (DecodedPacket satisfies AlertPacket) and keep their own windows, on the
// packets' timestamps: the same rule gives the same alerts live, in a replay at any speed, and in
// a marble test.

/** What the rules read of a packet (DecodedPacket has all of it). */
export interface AlertPacket {
  /** capture time; null (SPB) = the operator's estimate of the packet clock */
  readonly timestampMs: number | null;
  /** bytes on the wire */
  readonly originalLength: number;
  /** IP source and destination addresses */
  readonly src: string | undefined;
  readonly dst: string | undefined;
  /** TCP or UDP destination port */
  readonly dstPort: number | undefined;
  readonly tcp: { readonly syn: boolean; readonly ackFlag: boolean } | undefined;
  readonly udp: object | undefined;
}

export type AlertKind = 'threshold' | 'rate-of-change' | 'new-talker' | 'port-scan';

export interface Alert<P = AlertPacket> {
  /** the rule's name (its kind when it has none) */
  readonly rule: string;
  readonly kind: AlertKind;
  /** packet time (ms since the epoch) the alert refers to */
  readonly at: number;
  readonly message: string;
  /** the latest relevant packets, oldest first (at most the rule's `evidence`, default 20) */
  readonly evidence: readonly P[];
  readonly details: Readonly<Record<string, unknown>>;
}

/** Statistics of a window: packets, bytes (on the wire), and their rates per second. */
export type WindowMetric = 'packets' | 'bytes' | 'pps' | 'bps';

interface RuleCommon<P> {
  /** names the rule in alerts */
  readonly name?: string;
  /** after an alert, the same rule (per source for port scans) stays silent this long (ms) */
  readonly cooldownMs?: number;
  /** how many evidence packets an alert carries at most (default 20) */
  readonly evidence?: number;
  /** only these packets count (threshold and rate of change: e.g. `(p) => p.has('tcp')`) */
  readonly where?: (packet: P) => boolean;
}

/** A window's statistic above `above` or below `below` (either or both). */
export interface ThresholdRule<P = AlertPacket> extends RuleCommon<P> {
  readonly kind: 'threshold';
  readonly metric: WindowMetric;
  readonly windowMs: number;
  readonly above?: number;
  readonly below?: number;
}

/** A statistic rising or falling between consecutive windows by at least the given percent. */
export interface RateOfChangeRule<P = AlertPacket> extends RuleCommon<P> {
  readonly kind: 'rate-of-change';
  readonly metric: WindowMetric;
  readonly windowMs: number;
  /** alert when the value grew by at least this many percent (100 = doubled) */
  readonly risePercent?: number;
  /** alert when the value shrank by at least this many percent (50 = halved) */
  readonly fallPercent?: number;
  /** ignore pairs of windows where both values are below this (noise at low rates); default 0 */
  readonly minValue?: number;
}

/** A source address not seen before, once the learning period is over. */
export interface NewTalkerRule<P = AlertPacket> extends RuleCommon<P> {
  readonly kind: 'new-talker';
  /** addresses seen during this long after the first packet are learnt silently (default 0) */
  readonly learnMs?: number;
  /** most addresses remembered; the least recently seen are forgotten first (default 100 000) */
  readonly maxKnown?: number;
}

/** One source to more than `ports` distinct destination ports within `withinMs`. */
export interface PortScanRule<P = AlertPacket> extends RuleCommon<P> {
  readonly kind: 'port-scan';
  readonly ports: number;
  readonly withinMs: number;
  /** what counts as a probe: TCP SYNs without ACK, UDP datagrams (default both) */
  readonly probes?: readonly ('tcp-syn' | 'udp')[];
  /** most sources tracked at once; the least recently active are dropped first (default 1024) */
  readonly maxSources?: number;
}

export type AlertRule<P = AlertPacket> = ThresholdRule<P> | RateOfChangeRule<P> | NewTalkerRule<P> | PortScanRule<P>;

/** One rule's running state: fed packets in order, and told when packet time moved on. */
export interface AlertEngine<P> {
  /** whether windows must close while no packet arrives (the operator then drives `advance`) */
  readonly windowMs: number | undefined;
  observe(packet: P, timeMs: number): Alert<P>[];
  /** packet time has reached `timeMs` without packets: close the windows that ended */
  advance(timeMs: number): Alert<P>[];
}

export const DEFAULT_EVIDENCE = 20;
export const DEFAULT_COOLDOWN_MS = 60_000;
