// One way from settings to a SharkTank, for the csharg command and the Node-RED host node alike:
// this machine (dumpcap), a Packetflix service URL, or the Edgeshark Service of a Kubernetes cluster
// through the API server, found with a kubeconfig.

import { newSharkTankOnHost } from './host/host-shark-tank';
import type { HostClientOptions } from './host/host-shark-tank';
import { DEFAULT_EDGESHARK_SERVICE, newSharkTankFromKubeconfig } from './host/kubeconfig';
import { newLocalSharkTank } from './local/local-shark-tank';
import type { SharkTank } from './shark-tank';

/** PEM data or text for https/wss. */
export interface TankTlsSettings {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

/** Settings shared by the service sources. */
interface ServiceSettings {
  /** ms for discovery and the capture handshake; 0 = none; undefined = the default (30 s) */
  readonly timeoutMs?: number;
  /** accept any server certificate */
  readonly insecure?: boolean;
  /** sent as `Authorization: Bearer TOKEN`; for a kubeconfig it replaces the kubeconfig's user credentials' token */
  readonly bearerToken?: string;
}

/** Captures on this machine with dumpcap. */
export interface LocalTankSettings {
  readonly source: 'local';
}

/** The Packetflix service at `url` (no scheme = http; a path is the base path). */
export interface UrlTankSettings extends ServiceSettings {
  readonly source: 'url';
  readonly url: string;
  readonly tls?: TankTlsSettings;
}

/** The Edgeshark Service of a cluster through the API server's service proxy, with a kubeconfig. */
export interface KubeconfigTankSettings extends ServiceSettings {
  readonly source: 'kubeconfig';
  /** a kubeconfig file (alone); default: $KUBECONFIG, then ~/.kube/config (unless `kubeconfigText`) */
  readonly kubeconfig?: string;
  /** the kubeconfig itself, as text */
  readonly kubeconfigText?: string;
  /** the context; default the kubeconfig's current-context */
  readonly context?: string;
  /** `[NAMESPACE/]NAME[:PORT]`, default `edgeshark/packetflix:5001` */
  readonly service?: string;
  /** environment for KUBECONFIG and HOME (default process.env) */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type TankSettings = LocalTankSettings | UrlTankSettings | KubeconfigTankSettings;

function clientOptions(settings: ServiceSettings): Omit<HostClientOptions, 'tls'> {
  return {
    ...(settings.timeoutMs !== undefined ? { timeout: settings.timeoutMs } : {}),
    ...(settings.bearerToken ? { bearerToken: settings.bearerToken } : {}),
    ...(settings.insecure ? { insecureSkipVerify: true } : {}),
  };
}

/**
 * The SharkTank the settings describe. Throws a typed error (ServiceUrlError, KubeconfigError,
 * ProxyUrlError) for settings it cannot use; a kubeconfig is read here, at once.
 */
export function newSharkTankFromSettings(settings: TankSettings): SharkTank {
  switch (settings.source) {
    case 'local':
      return newLocalSharkTank();
    case 'url': {
      const tls = settings.tls;
      return newSharkTankOnHost(settings.url, {
        ...clientOptions(settings),
        ...(tls && (tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined) ? { tls: { ca: tls.ca, cert: tls.cert, key: tls.key } } : {}),
      });
    }
    case 'kubeconfig':
      return newSharkTankFromKubeconfig({
        ...clientOptions(settings),
        ...(settings.kubeconfig !== undefined ? { kubeconfig: settings.kubeconfig } : {}),
        ...(settings.kubeconfigText !== undefined ? { kubeconfigText: settings.kubeconfigText } : {}),
        ...(settings.context ? { context: settings.context } : {}),
        ...(settings.service ? { service: settings.service } : {}),
        ...(settings.env ? { env: settings.env } : {}),
      });
  }
}

/** A short description for messages before the tank exists: "this machine", the URL, or the kubeconfig's context and Service. */
export function describeTankSettings(settings: TankSettings): string {
  switch (settings.source) {
    case 'local':
      return 'this machine';
    case 'url':
      return settings.url;
    case 'kubeconfig':
      return `${settings.service || DEFAULT_EDGESHARK_SERVICE} (kubeconfig${settings.context ? ` context ${settings.context}` : ''})`;
  }
}
