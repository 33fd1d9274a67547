// The rules over windowed statistics: threshold (a window above or below a value) and rate of
// change (between consecutive windows), on the analysis' one window engine (tumbling-windows.ts,
// through AlertWindows): windows at multiples of the rule's window length since the epoch. The
// first window, when it began before the first packet, is partial: only `above` judges it.

import { AlertCooldown } from './alert-cooldown';
import { DEFAULT_COOLDOWN_MS, DEFAULT_EVIDENCE } from './alert-types';
import type { Alert, AlertEngine, AlertPacket, RateOfChangeRule, ThresholdRule } from './alert-types';
import { AlertWindows, metricOf } from './alert-window';
import type { ClosedWindow } from './alert-window';

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Shared by both: windows of the packets the rule's `where` admits, evaluated as they close. */
abstract class WindowRuleEngine<P extends AlertPacket> implements AlertEngine<P> {
  readonly windowMs: number;
  protected readonly windows: AlertWindows<P>;
  protected readonly cooldown: AlertCooldown;

  constructor(
    protected readonly rule: ThresholdRule<P> | RateOfChangeRule<P>,
  ) {
    this.windowMs = rule.windowMs;
    this.windows = new AlertWindows<P>(rule.windowMs, rule.evidence ?? DEFAULT_EVIDENCE);
    this.cooldown = new AlertCooldown(rule.cooldownMs ?? DEFAULT_COOLDOWN_MS);
  }

  observe(packet: P, timeMs: number): Alert<P>[] {
    if (this.rule.where && !this.rule.where(packet)) return this.advance(timeMs);
    return this.evaluate(this.windows.add(packet, timeMs));
  }

  advance(timeMs: number): Alert<P>[] {
    return this.evaluate(this.windows.advance(timeMs));
  }

  protected abstract evaluate(closed: ClosedWindow<P>[]): Alert<P>[];

  protected value(w: ClosedWindow<P>): number {
    return metricOf(w, this.rule.metric, this.rule.windowMs);
  }

  protected alert(w: ClosedWindow<P>, message: string, details: Record<string, unknown>): Alert<P>[] {
    if (!this.cooldown.allows('', w.end)) return [];
    const suppressed = this.cooldown.fired('', w.end);
    return [{
      rule: this.rule.name ?? this.rule.kind,
      kind: this.rule.kind,
      at: w.end,
      message,
      evidence: w.evidence,
      details: { metric: this.rule.metric, windowStart: w.start, windowEnd: w.end, packets: w.packets, bytes: w.bytes, ...details, suppressed },
    }];
  }
}

export class ThresholdEngine<P extends AlertPacket> extends WindowRuleEngine<P> {
  constructor(private readonly threshold: ThresholdRule<P>) {
    super(threshold);
  }

  protected evaluate(closed: ClosedWindow<P>[]): Alert<P>[] {
    const { above, below, metric, windowMs } = this.threshold;
    const out: Alert<P>[] = [];
    for (const w of closed) {
      const value = this.value(w);
      // A partial window's value is a lower bound: enough to tell `above`, not `below`.
      if (above !== undefined && value > above) out.push(...this.alert(w, `${metric} ${round(value)} above ${above} in ${windowMs} ms`, { value, above }));
      else if (below !== undefined && !w.partial && value < below) out.push(...this.alert(w, `${metric} ${round(value)} below ${below} in ${windowMs} ms`, { value, below }));
    }
    return out;
  }
}

export class RateOfChangeEngine<P extends AlertPacket> extends WindowRuleEngine<P> {
  #previous: number | undefined;

  constructor(private readonly change: RateOfChangeRule<P>) {
    super(change);
  }

  protected evaluate(closed: ClosedWindow<P>[]): Alert<P>[] {
    const { risePercent, fallPercent, metric } = this.change;
    const minValue = this.change.minValue ?? 0;
    const out: Alert<P>[] = [];
    for (const w of closed) {
      // A partial window is no base to compare with: the change starts at the first whole one.
      if (w.partial) continue;
      const value = this.value(w);
      const previous = this.#previous;
      this.#previous = value;
      if (previous === undefined || (previous < minValue && value < minValue) || previous === value) continue;
      // From zero any growth is infinite; to zero the fall is 100 %.
      const percent = previous === 0 ? Infinity : ((value - previous) / previous) * 100;
      const details = { value, previous, percent: Number.isFinite(percent) ? round(percent) : percent };
      if (risePercent !== undefined && percent >= risePercent) {
        out.push(...this.alert(w, `${metric} rose ${Number.isFinite(percent) ? `${round(percent)} %` : 'from 0'} (${round(previous)} to ${round(value)})`, details));
      } else if (fallPercent !== undefined && -percent >= fallPercent) {
        out.push(...this.alert(w, `${metric} fell ${round(-percent)} % (${round(previous)} to ${round(value)})`, details));
      }
    }
    return out;
  }
}
