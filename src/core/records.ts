// Narrowing for values that come from outside (JSON, Node-RED messages, discovery answers).

/** A plain key/value object: not null, not an array, not a Buffer. */
export function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
