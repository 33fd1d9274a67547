// The capture target information that Packetflix and csharg put into the first section header
// block's comment: a YAML document after the line `---` and the line `# capture target information`.

import type { CaptureOptions, Target } from '../target';
import { GO_YAML_INDENT, GoYamlWriter } from './yaml-go';

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

/**
 * `value` as yaml.v3 writes it after `key: ` in csharg's document (a top-level key): plain,
 * single- or double-quoted on one line, or a literal block over several lines. The newline that
 * ends the value is not included.
 */
export function yamlScalar(value: string): string {
  const text = new GoYamlWriter().key('k', 0).string(value, GO_YAML_INDENT).end();
  return text.slice('k: '.length).replace(/\n$/, '');
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
 * The capture target YAML document, marker lines included, byte for byte as csharg writes it
 * (yaml.v3's `Marshal`: keys in csharg's order, the nested `uid` indented by four spaces, each
 * value in the style yaml.v3 picks for it). Throws a TypeError for metadata of the wrong shape.
 */
export function captureTargetYaml(metadata: CaptureTargetMetadata): string {
  checkMetadata(metadata);
  const yaml = new GoYamlWriter();
  const value = GO_YAML_INDENT;
  yaml.key('container-name', 0).string(metadata['container-name'] ?? '', value);
  yaml.key('container-type', 0).string(metadata['container-type'] ?? '', value);
  yaml.key('node-name', 0).string(metadata['node-name'] ?? '', value);
  if (metadata.cluster) {
    yaml.key('cluster', 0);
    if (metadata.cluster.uid) yaml.key('uid', GO_YAML_INDENT).string(metadata.cluster.uid, 2 * GO_YAML_INDENT);
    else yaml.emptyMapping();
  }
  if (metadata['capture-filter']) yaml.key('capture-filter', 0).string(metadata['capture-filter'], value);
  if (metadata['no-promiscuous-mode']) yaml.key('no-promiscuous-mode', 0).bool(true);
  return CAPTURE_TARGET_MARKER + yaml.end();
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
