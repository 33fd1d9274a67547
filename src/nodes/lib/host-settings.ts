// The edgeshark-host config node's settings, checked, and the SharkTank they describe (through the
// one settings-to-tank factory the csharg command uses too).
import type { SharkTank } from '../../core/shark-tank';
import { describeTankSettings, newSharkTankFromSettings } from '../../core/tank-settings';
import type { TankSettings } from '../../core/tank-settings';

export type HostSource = 'local' | 'url' | 'kubeconfig';

/** The source a flow stores: `url` and `kubeconfig` as such, anything else (older flows: none) this machine. */
export function hostSourceOf(value: unknown): HostSource {
  return value === 'url' || value === 'kubeconfig' ? value : 'local';
}

export interface HostSettings {
  readonly source: HostSource;
  /** the Packetflix service URL (source `url`) */
  readonly url: string;
  readonly bearerToken?: string;
  /** request timeout in ms (discovery and the capture handshake); 0 = none */
  readonly timeoutMs: number;
  readonly tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
  /** source `kubeconfig`: the kubeconfig's text (a credential); empty = Node-RED's own ($KUBECONFIG, then ~/.kube/config) */
  readonly kubeconfig?: string;
  /** source `kubeconfig`: the context; empty = its current-context */
  readonly context?: string;
  /** source `kubeconfig`: the Edgeshark Service, NAMESPACE/NAME:PORT; empty = edgeshark/packetflix:5001 */
  readonly service?: string;
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

/** The settings for the shared factory (src/core/tank-settings.ts). */
export function tankSettingsOf(settings: HostSettings): TankSettings {
  if (settings.source === 'local') return { source: 'local' };
  if (settings.source === 'kubeconfig') {
    // The kubeconfig's user gives the credentials (a token saved for a URL earlier does not count).
    return {
      source: 'kubeconfig',
      timeoutMs: settings.timeoutMs,
      ...(settings.kubeconfig?.trim() ? { kubeconfigText: settings.kubeconfig } : {}),
      ...(settings.context ? { context: settings.context } : {}),
      ...(settings.service ? { service: settings.service } : {}),
    };
  }
  return {
    source: 'url',
    url: settings.url,
    timeoutMs: settings.timeoutMs,
    ...(settings.bearerToken ? { bearerToken: settings.bearerToken } : {}),
    ...(settings.tls?.rejectUnauthorized === false ? { insecure: true } : {}),
    ...(settings.tls ? { tls: { ca: settings.tls.ca, cert: settings.tls.cert, key: settings.tls.key } } : {}),
  };
}

/** "this machine", the URL, or the kubeconfig's Service and context. */
export function describeHostSettings(settings: HostSettings): string {
  return describeTankSettings(tankSettingsOf(settings));
}

/** The SharkTank of the settings; a kubeconfig is read at once (throws KubeconfigError). */
export function tankFor(settings: HostSettings): SharkTank {
  return newSharkTankFromSettings(tankSettingsOf(settings));
}
