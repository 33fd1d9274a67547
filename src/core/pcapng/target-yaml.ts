// Reads the capture target information that Packetflix and csharg put into the first SHB's
// comment: a flat YAML document after the lines `---` and `# capture target information`.
// Purpose-built for those few keys; anything else in the document is ignored.

import type { CaptureTargetMetadata } from '../capture-metadata';

const MARKER = /(?:^|\n)---\r?\n# capture target information\r?\n/;
const STRING_KEYS = new Set(['container-name', 'container-type', 'node-name', 'capture-filter']);
const TRUE_WORDS = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON']);

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPE_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

function unescapeDoubleQuoted(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const hexLength = HEX_ESCAPE_LENGTH[e];
    const hex = hexLength === undefined ? '' : body.slice(i + 1, i + 1 + hexLength);
    if (hexLength === undefined || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) {
      out += `\\${e}`; // not an escape YAML knows: keep it visible
      continue;
    }
    const codePoint = parseInt(hex, 16);
    out += codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\ufffd';
    i += hexLength;
  }
  return out;
}

/** A scalar as written after `key: `: double-quoted, single-quoted, or plain (comment removed). */
export function parseYamlScalar(text: string): string {
  const t = text.trim();
  if (t.startsWith('"')) {
    const end = findClosingDoubleQuote(t);
    return unescapeDoubleQuoted(t.slice(1, end));
  }
  if (t.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'?/.exec(t);
    return (m?.[1] ?? '').replace(/''/g, "'");
  }
  const comment = t.search(/\s#/);
  return (comment === -1 ? t : t.slice(0, comment)).trimEnd();
}

function findClosingDoubleQuote(t: string): number {
  for (let i = 1; i < t.length; i++) {
    if (t[i] === '\\') i++;
    else if (t[i] === '"') return i;
  }
  return t.length;
}

/** The capture target information in an SHB comment, or undefined when it has none. */
export function parseCaptureTargetYaml(comment: string): CaptureTargetMetadata | undefined {
  const marker = MARKER.exec(comment);
  if (marker === null) return undefined;
  const result: Record<string, unknown> = {};
  let inCluster = false;
  for (const line of comment.slice(marker.index + marker[0].length).split(/\r?\n/)) {
    if (line === '---' || line === '...') break;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^(\s*)([A-Za-z0-9_-]+):(?:\s+(.*)|)$/.exec(line);
    if (m === null) continue;
    const [, indent = '', key = '', value] = m;
    if (indent !== '') {
      if (inCluster && key === 'uid' && value !== undefined) result.cluster = { uid: parseYamlScalar(value) };
      continue;
    }
    inCluster = key === 'cluster';
    if (inCluster) result.cluster = {};
    else if (STRING_KEYS.has(key)) result[key] = value === undefined ? '' : parseYamlScalar(value);
    else if (key === 'no-promiscuous-mode') result[key] = TRUE_WORDS.has(parseYamlScalar(value ?? ''));
  }
  return result;
}
