// The SharkTank a command works on: this machine (--local) or a Packetflix service (--host).
import { newSharkTankOnHost } from '../core/host/host-shark-tank';
import { newLocalSharkTank } from '../core/local/local-shark-tank';
import type { SharkTank } from '../core/shark-tank';

export interface GlobalOptions {
  host?: string;
  local?: boolean;
  insecure?: boolean;
  token?: string;
  requestTimeout?: number;
  debug?: boolean;
}

export const DEFAULT_HOST = 'http://localhost:5001';

export function tankFor(opts: GlobalOptions): SharkTank {
  if (opts.local) {
    if (opts.host !== undefined) throw new Error('--local and --host exclude each other: capture on this machine, or through a service');
    return newLocalSharkTank();
  }
  const host = opts.host ?? process.env.CSHARG_HOST ?? DEFAULT_HOST;
  const token = opts.token ?? process.env.CSHARG_TOKEN;
  return newSharkTankOnHost(host, {
    ...(token ? { bearerToken: token } : {}),
    ...(opts.requestTimeout !== undefined ? { timeout: opts.requestTimeout } : {}),
    ...(opts.insecure ? { insecureSkipVerify: true } : {}),
  });
}
