// The edgeshark-host config node's settings, checked, and the SharkTank they describe.
import { newSharkTankOnHost } from '../../core/host/host-shark-tank';
import type { HostClientOptions } from '../../core/host/host-shark-tank';
import { newLocalSharkTank } from '../../core/local/local-shark-tank';
import type { SharkTank } from '../../core/shark-tank';

export type HostSource = 'local' | 'url';

export interface HostSettings {
  readonly source: HostSource;
  /** the Packetflix service URL (source `url`) */
  readonly url: string;
  readonly bearerToken?: string;
  /** request timeout in ms (discovery and the capture handshake); 0 = none */
  readonly timeoutMs: number;
  readonly tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

/** What the core tls-config node offers (its addTLSOptions fills an options object). */
export interface TlsConfigNode {
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
}

export function isTlsConfigNode(node: unknown): node is TlsConfigNode {
  return typeof node === 'object' && node !== null && typeof (node as { addTLSOptions?: unknown }).addTLSOptions === 'function';
}

/** The TLS settings from a tls-config node. */
export function tlsFromConfigNode(node: TlsConfigNode): NonNullable<HostSettings['tls']> {
  const opts = node.addTLSOptions({});
  const pick = (v: unknown): string | Buffer | undefined => (typeof v === 'string' || Buffer.isBuffer(v) ? v : undefined);
  const ca = pick(opts.ca);
  const cert = pick(opts.cert);
  const key = pick(opts.key);
  return {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  };
}

/** Seconds from the dialog (text or number) to ms; empty = the default. */
export function timeoutMsOf(value: unknown, defaultMs: number): number {
  if (value === undefined || value === null || value === '') return defaultMs;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`request timeout: expected seconds >= 0, got ${JSON.stringify(value)}`);
  return Math.round(seconds * 1000);
}

export function tankFor(settings: HostSettings): SharkTank {
  if (settings.source === 'local') return newLocalSharkTank();
  const options: HostClientOptions = {
    timeout: settings.timeoutMs,
    ...(settings.bearerToken ? { bearerToken: settings.bearerToken } : {}),
    ...(settings.tls?.rejectUnauthorized === false ? { insecureSkipVerify: true } : {}),
    ...(settings.tls ? { tls: { ca: settings.tls.ca, cert: settings.tls.cert, key: settings.tls.key } } : {}),
  };
  return newSharkTankOnHost(settings.url, options);
}
