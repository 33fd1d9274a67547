// The rules about who talks: a source address never seen before, and a port scan (one source to
// more than N distinct destination ports within T).

import { AlertCooldown } from './alert-cooldown';
import { AlertEvidence } from './alert-evidence';
import { DEFAULT_COOLDOWN_MS, DEFAULT_EVIDENCE } from './alert-types';
import type { Alert, AlertEngine, AlertPacket, NewTalkerRule, PortScanRule } from './alert-types';

export class NewTalkerEngine<P extends AlertPacket> implements AlertEngine<P> {
  readonly windowMs = undefined;
  /** address -> last seen, least recently seen first (Map keeps insertion order) */
  readonly #known = new Map<string, number>();
  readonly #cooldown: AlertCooldown;
  #learnUntil: number | undefined;

  constructor(private readonly rule: NewTalkerRule<P>) {
    // Each address alerts once anyway; a cooldown (default none) caps floods of new addresses.
    this.#cooldown = new AlertCooldown(rule.cooldownMs ?? 0);
  }

  observe(packet: P, timeMs: number): Alert<P>[] {
    if (this.rule.where && !this.rule.where(packet)) return [];
    const src = packet.src;
    if (src === undefined) return [];
    this.#learnUntil ??= timeMs + (this.rule.learnMs ?? 0);
    const known = this.#known.has(src);
    this.#known.delete(src);
    this.#known.set(src, timeMs);
    if (this.#known.size > (this.rule.maxKnown ?? 100_000)) this.#known.delete(this.#known.keys().next().value!);
    if (known || timeMs < this.#learnUntil || !this.#cooldown.allows('', timeMs)) return [];
    const suppressed = this.#cooldown.fired('', timeMs);
    const evidence = (this.rule.evidence ?? DEFAULT_EVIDENCE) > 0 ? [packet] : [];
    return [{
      rule: this.rule.name ?? this.rule.kind,
      kind: 'new-talker',
      at: timeMs,
      message: `new talker ${src}${packet.dst === undefined ? '' : ` (to ${packet.dst})`}`,
      evidence,
      details: { src, dst: packet.dst, known: this.#known.size, suppressed },
    }];
  }

  advance(): Alert<P>[] {
    return [];
  }
}

interface SourceState<P> {
  /** `tcp/80`, `udp/53` -> packet time last probed */
  readonly ports: Map<string, number>;
  readonly evidence: AlertEvidence<P>;
}

export class PortScanEngine<P extends AlertPacket> implements AlertEngine<P> {
  readonly windowMs = undefined;
  /** per source, least recently active first */
  readonly #sources = new Map<string, SourceState<P>>();
  readonly #cooldown: AlertCooldown;
  readonly #tcp: boolean;
  readonly #udp: boolean;

  constructor(private readonly rule: PortScanRule<P>) {
    this.#cooldown = new AlertCooldown(rule.cooldownMs ?? DEFAULT_COOLDOWN_MS);
    const probes = rule.probes ?? ['tcp-syn', 'udp'];
    this.#tcp = probes.includes('tcp-syn');
    this.#udp = probes.includes('udp');
  }

  #probe(packet: P): string | undefined {
    const port = packet.dstPort;
    if (port === undefined) return undefined;
    const tcp = packet.tcp;
    if (tcp) return this.#tcp && tcp.syn && !tcp.ackFlag ? `tcp/${port}` : undefined;
    return this.#udp && packet.udp !== undefined ? `udp/${port}` : undefined;
  }

  observe(packet: P, timeMs: number): Alert<P>[] {
    if (this.rule.where && !this.rule.where(packet)) return [];
    // The probe test reads a few header bytes; the address string is made only for probes.
    const probe = this.#probe(packet);
    const src = probe === undefined ? undefined : packet.src;
    if (src === undefined || probe === undefined) return [];
    let state = this.#sources.get(src);
    if (state) this.#sources.delete(src);
    else state = { ports: new Map(), evidence: new AlertEvidence<P>(this.rule.evidence ?? DEFAULT_EVIDENCE) };
    this.#sources.set(src, state);
    if (this.#sources.size > (this.rule.maxSources ?? 1024)) this.#sources.delete(this.#sources.keys().next().value!);

    state.ports.set(probe, timeMs);
    state.evidence.add(packet);
    // At most ports + 1 entries are kept: only then are the stale ones looked for.
    if (state.ports.size <= this.rule.ports) return [];
    for (const [key, at] of state.ports) if (at < timeMs - this.rule.withinMs) state.ports.delete(key);
    if (state.ports.size <= this.rule.ports) return [];
    const ports = [...state.ports.keys()];
    const evidence = state.evidence.list();
    // One scan, one alert: the source starts afresh, and stays silent for the cooldown.
    this.#sources.delete(src);
    if (!this.#cooldown.allows(src, timeMs)) return [];
    const suppressed = this.#cooldown.fired(src, timeMs);
    const targets = [...new Set(evidence.map((p) => p.dst).filter((d) => d !== undefined))];
    return [{
      rule: this.rule.name ?? this.rule.kind,
      kind: 'port-scan',
      at: timeMs,
      message: `port scan from ${src}: more than ${this.rule.ports} destination ports within ${this.rule.withinMs} ms`,
      evidence,
      details: { src, targets, ports: ports.length, sample: ports.slice(0, 20), withinMs: this.rule.withinMs, suppressed },
    }];
  }

  advance(): Alert<P>[] {
    return [];
  }
}
