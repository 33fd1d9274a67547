// Errors as a node shows them: a short status text under the node (the full reason goes to the
// log and to Catch nodes).
import { CshargError } from '../core/errors';
import type { NodeStatus, RuntimeNode } from './node-red-api';

const MAX_STATUS_TEXT = 60;

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A red status with the error's code (for typed errors) and the start of its message. */
export function errorStatus(err: unknown): NodeStatus {
  const message = errorText(err).split('\n')[0] ?? '';
  const text = err instanceof CshargError ? `${err.code}: ${message}` : message;
  return { fill: 'red', shape: 'ring', text: text.length > MAX_STATUS_TEXT ? `${text.slice(0, MAX_STATUS_TEXT - 1)}…` : text };
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * A configuration the node cannot run with: shown under the node and logged at deploy, and every
 * message that arrives later finishes with the same error, so that Catch nodes see it too.
 */
export function rejectConfiguration(node: RuntimeNode, err: unknown): void {
  node.status(errorStatus(err));
  node.error(errorText(err), {});
  node.on('input', (_msg, _send, done) => done(asError(err)));
}
