// The SharkTank a command works on: this machine (--local), a Packetflix service (--host), or the
// Edgeshark Service of a Kubernetes cluster through its API server (--kubeconfig, --context,
// --edgeshark-service).
import { newSharkTankFromSettings } from '../core/tank-settings';
import type { TankSettings } from '../core/tank-settings';
import type { SharkTank } from '../core/shark-tank';

export interface GlobalOptions {
  host?: string;
  local?: boolean;
  insecure?: boolean;
  token?: string;
  requestTimeout?: number;
  debug?: boolean;
  /** a kubeconfig file; '' = kubectl's default ($KUBECONFIG, then ~/.kube/config) */
  kubeconfig?: string;
  context?: string;
  edgesharkService?: string;
}

export const DEFAULT_HOST = 'http://localhost:5001';

/**
 * The settings the global flags give. A kubeconfig is used only when asked for: --kubeconfig,
 * --context or --edgeshark-service. KUBECONFIG alone does not switch csharg from its default
 * service (--host, CSHARG_HOST, localhost:5001): many shells set it for kubectl.
 */
export function settingsFor(opts: GlobalOptions): TankSettings {
  const kube = opts.kubeconfig !== undefined || opts.context !== undefined || opts.edgesharkService !== undefined;
  if (opts.local) {
    if (opts.host !== undefined) throw new Error('--local and --host exclude each other: capture on this machine, or through a service');
    if (kube) throw new Error('--local and --kubeconfig/--context/--edgeshark-service exclude each other: capture on this machine, or in a cluster');
    return { source: 'local' };
  }
  if (kube) {
    if (opts.host !== undefined) throw new Error('--host and --kubeconfig/--context/--edgeshark-service exclude each other: the kubeconfig names the service (its API server)');
    return {
      source: 'kubeconfig',
      // '' (--kubeconfig=) is kubectl's default loading: $KUBECONFIG, then ~/.kube/config.
      ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.context !== undefined ? { context: opts.context } : {}),
      ...(opts.edgesharkService !== undefined ? { service: opts.edgesharkService } : {}),
      // Only the --token flag overrides the kubeconfig's credentials (CSHARG_TOKEN is for --host).
      ...(opts.token ? { bearerToken: opts.token } : {}),
      ...(opts.requestTimeout !== undefined ? { timeoutMs: opts.requestTimeout } : {}),
      ...(opts.insecure ? { insecure: true } : {}),
    };
  }
  const host = opts.host ?? process.env.CSHARG_HOST ?? DEFAULT_HOST;
  const token = opts.token ?? process.env.CSHARG_TOKEN;
  return {
    source: 'url',
    url: host,
    ...(token ? { bearerToken: token } : {}),
    ...(opts.requestTimeout !== undefined ? { timeoutMs: opts.requestTimeout } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
  };
}

export function tankFor(opts: GlobalOptions): SharkTank {
  return newSharkTankFromSettings(settingsFor(opts));
}
