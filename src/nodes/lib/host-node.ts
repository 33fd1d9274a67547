// What other nodes see of an edgeshark-host config node (kept apart from its module, which
// exports only its registration function as Node-RED expects).
import type { SharkTank } from '../../core/shark-tank';
import type { RuntimeNode } from './node-red-api';

export interface EdgesharkHostNode extends RuntimeNode {
  /** the SharkTank, made on first use; throws a typed error for unusable settings */
  tank(): SharkTank;
  /** "this machine" or the service URL */
  readonly description: string;
}

export function isEdgesharkHostNode(node: unknown): node is EdgesharkHostNode {
  return typeof node === 'object' && node !== null && (node as { type?: unknown }).type === 'edgeshark-host' && typeof (node as { tank?: unknown }).tank === 'function';
}
