// The capture target information that Packetflix and csharg put into the first section header
// block's comment: a YAML document after the line `---` and the line `# capture target information`.

import type { CaptureOptions, Target } from './target';

/** Capture target information; keys as in the YAML. Missing names are written as `""`. */
export interface CaptureTargetMetadata {
  readonly 'container-name'?: string;
  readonly 'container-type'?: string;
  readonly 'node-name'?: string;
  /** written only when present: `uid` nested, or `{}` when it has none */
  readonly cluster?: { readonly uid?: string };
  /** written only when non-empty */
  readonly 'capture-filter'?: string;
  /** written only when true */
  readonly 'no-promiscuous-mode'?: boolean;
}

/** The two lines that start the capture target YAML document. */
export const CAPTURE_TARGET_MARKER = '---\n# capture target information\n';

/**
 * The metadata for capturing `target` with `options`. `nodeName` is used when the target has
 * none (the host client fills targets' node names from the service URL).
 */
export function captureTargetMetadata(target: Target, options: CaptureOptions = {}, nodeName?: string): CaptureTargetMetadata {
  const metadata: { -readonly [K in keyof CaptureTargetMetadata]: CaptureTargetMetadata[K] } = {
    'container-name': target.name,
    'container-type': target.type,
    'node-name': target.nodeName || nodeName || '',
  };
  if (target.cluster) metadata.cluster = target.cluster.uid ? { uid: target.cluster.uid } : {};
  if (options.filter) metadata['capture-filter'] = options.filter;
  if (options.avoidPromiscuousMode) metadata['no-promiscuous-mode'] = true;
  return metadata;
}

const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;
// YAML 1.1 booleans and nulls (Go's yaml.v3 and many readers still honour them).
const RESERVED_WORD = /^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
// Numbers, timestamps, base-60 numbers, .inf and .nan all start like this.
const NUMBER_LIKE_START = /^[0-9+.]/;

// Plain only when no YAML reader could take it for anything but this string; the vectors show
// plain names (`default/nginx`, `tcp port 80`) and `""` for empty ones.
function isPlainSafe(value: string): boolean {
  return /^[\x20-\x7e]+$/.test(value)
    && !/^ | $/.test(value)
    && !INDICATOR_START.test(value)
    && !value.includes(': ')
    && !value.includes(' #')
    && !value.endsWith(':')
    && !RESERVED_WORD.test(value)
    && !NUMBER_LIKE_START.test(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Characters a YAML stream must not carry raw (JSON.stringify leaves them as they are).
const NOT_YAML_PRINTABLE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A YAML scalar for `value`: plain when safe, else double-quoted (a JSON string is one). */
export function yamlScalar(value: string): string {
  if (isPlainSafe(value)) return value;
  return JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd'))
    .replace(NOT_YAML_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function checkMetadata(metadata: CaptureTargetMetadata): void {
  for (const key of ['container-name', 'container-type', 'node-name', 'capture-filter'] as const) {
    const value: unknown = metadata[key];
    if (value !== undefined && typeof value !== 'string') throw new TypeError(`capture target metadata: "${key}" must be a string`);
  }
  const noProm: unknown = metadata['no-promiscuous-mode'];
  if (noProm !== undefined && typeof noProm !== 'boolean') throw new TypeError('capture target metadata: "no-promiscuous-mode" must be a boolean');
  const cluster: unknown = metadata.cluster;
  if (cluster !== undefined && (typeof cluster !== 'object' || cluster === null)) throw new TypeError('capture target metadata: "cluster" must be an object');
  const uid: unknown = metadata.cluster?.uid;
  if (uid !== undefined && typeof uid !== 'string') throw new TypeError('capture target metadata: "cluster.uid" must be a string');
}

/**
 * The capture target YAML document, marker lines included, each line ending in a newline; keys
 * in csharg's order (yaml.v3 indents the nested `uid` by four spaces). Throws a TypeError for
 * metadata of the wrong shape.
 */
export function captureTargetYaml(metadata: CaptureTargetMetadata): string {
  checkMetadata(metadata);
  let yaml = CAPTURE_TARGET_MARKER
    + `container-name: ${yamlScalar(metadata['container-name'] ?? '')}\n`
    + `container-type: ${yamlScalar(metadata['container-type'] ?? '')}\n`
    + `node-name: ${yamlScalar(metadata['node-name'] ?? '')}\n`;
  if (metadata.cluster) yaml += metadata.cluster.uid ? `cluster:\n    uid: ${yamlScalar(metadata.cluster.uid)}\n` : 'cluster: {}\n';
  if (metadata['capture-filter']) yaml += `capture-filter: ${yamlScalar(metadata['capture-filter'])}\n`;
  if (metadata['no-promiscuous-mode']) yaml += 'no-promiscuous-mode: true\n';
  return yaml;
}

// Matched on the comment's bytes read as Latin-1, so bytes that are not UTF-8 survive unchanged.
const BLOCK_START = /(?:^|\n)---\n# capture target information(?:\n|$)/;
const NEXT_DOCUMENT = /(?:^|\n)---(?:\n|$)/;

/**
 * The comment with `block` in place of its capture target YAML document, or appended (after a
 * newline when the text before it lacks one) when it has none. The old document ends where the
 * next YAML document (a line `---`) starts, or at the end of the comment; what follows is kept.
 */
export function replaceCaptureTargetBlock(comment: Buffer | undefined, block: Buffer): Buffer {
  if (comment === undefined || comment.length === 0) return block;
  const text = comment.toString('latin1');
  const start = BLOCK_START.exec(text);
  if (start === null) {
    const separator = text.endsWith('\n') ? [] : [Buffer.from('\n')];
    return Buffer.concat([comment, ...separator, block]);
  }
  const blockStart = start.index + (start[0].startsWith('\n') ? 1 : 0);
  const bodyStart = start.index + start[0].length;
  const next = NEXT_DOCUMENT.exec(text.slice(bodyStart));
  // `^` only matches right after the marker line (its newline was consumed by BLOCK_START).
  const blockEnd = next === null ? text.length : bodyStart + next.index + (next[0].startsWith('\n') ? 1 : 0);
  return Buffer.concat([comment.subarray(0, blockStart), block, comment.subarray(blockEnd)]);
}
