// Reads the capture target information that Packetflix and csharg put into the first SHB's
// comment: a flat YAML document after the lines `---` and `# capture target information`.
// Purpose-built for those few keys; anything else in the document is ignored.

import type { CaptureTargetMetadata } from './capture-metadata';

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

// YAML's white space is the space and the tab only (JavaScript's trim() would also take U+00A0,
// U+3000 and the like, which yaml.v3 writes plain).
const trimYamlSpace = (text: string): string => text.replace(/^[ \t]+|[ \t]+$/g, '');
const isBlankLine = (line: string): boolean => /^[ \t]*$/.test(line);

// yaml.v3 writes U+2028 and U+2029 as they are, yet takes them for line breaks and indents
// what follows them; `indent` is that indentation.
function dropIndentAfterSeparators(text: string, indent: number): string {
  return indent > 0 ? text.replace(new RegExp(`([\u2028\u2029]) {0,${indent}}`, 'g'), '$1') : text;
}

/**
 * A scalar as written after `key: `: double-quoted, single-quoted, or plain (comment removed).
 * `indent` is the indentation of the scalar's continuation lines (4 for a top-level key in
 * csharg's YAML).
 */
export function parseYamlScalar(text: string, indent = 0): string {
  const t = trimYamlSpace(text);
  if (t.startsWith('"')) {
    const end = findClosingDoubleQuote(t);
    return unescapeDoubleQuoted(t.slice(1, end));
  }
  if (t.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'?/.exec(t);
    return dropIndentAfterSeparators((m?.[1] ?? '').replace(/''/g, "'"), indent);
  }
  const comment = t.search(/[ \t]#/);
  return trimYamlSpace(comment === -1 ? t : t.slice(0, comment));
}

const LITERAL_HEADER = /^\|(?:([1-9])([-+]?)|([-+])([1-9]?)|)(?:[ \t]+#.*)?$/;
const indentationOf = (line: string): number => line.length - line.replace(/^ +/, '').length;

/**
 * A literal block scalar (`|`, `|-`, `|+`, `|4-` ...) whose header follows a key indented by
 * `keyIndent`, with its content in `lines` from `start`. Like yaml.v3, which writes them, it
 * takes U+2028 and U+2029 for line breaks too (kept in the value), so a block can also end in the
 * middle of a line: then `rest` is what follows on that line. Returns the value and where to go on.
 */
function readLiteralBlock(header: string, lines: readonly string[], start: number, keyIndent: number, lastLineOpen: boolean): { value: string; next: number; rest?: string } {
  const m = LITERAL_HEADER.exec(trimYamlSpace(header)) as RegExpExecArray;
  const digit = m[1] ?? m[4] ?? '';
  const chomp = m[2] ?? m[3] ?? '';
  let blockIndent = digit === '' ? undefined : keyIndent + Number(digit);
  // The block's lines (U+2028 and U+2029 end lines too), each with the break that ends it.
  const content: { text: string; end: string }[] = [];
  let next = start;
  scan: for (; next < lines.length; next++) {
    const parts = (lines[next] as string).split(/([\u2028\u2029])/);
    for (let k = 0; k < parts.length; k += 2) {
      const segment = parts[k] as string;
      // (a tab after the indentation is content; spaces only make an empty line)
      if (!/^ *$/.test(segment)) {
        const indent = indentationOf(segment);
        blockIndent ??= indent > keyIndent ? indent : undefined;
        if (blockIndent === undefined || indent < blockIndent) {
          if (k === 0) break scan;
          return { value: chomped(content, chomp), next, rest: parts.slice(k).join('') };
        }
      }
      const lineEnd = lastLineOpen && next === lines.length - 1 ? '' : '\n';
      content.push({ text: segment.slice(blockIndent ?? segment.length), end: parts[k + 1] ?? lineEnd });
    }
  }
  return { value: chomped(content, chomp), next };
}

function chomped(content: readonly { text: string; end: string }[], chomp: string): string {
  let last = content.length - 1;
  while (last >= 0 && content[last]?.text === '') last--;
  const upTo = (n: number): string => content.slice(0, n).map((c) => c.text + c.end).join('');
  if (chomp === '+') return upTo(content.length);
  if (last < 0) return '';
  const body = upTo(last) + (content[last] as { text: string }).text;
  return chomp === '-' ? body : body + (content[last] as { end: string }).end;
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
  const lines = comment.slice(marker.index + marker[0].length).split(/\r?\n/);
  const lastLineOpen = lines[lines.length - 1] !== '';
  if (!lastLineOpen) lines.pop(); // the text after the last line break is no line
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '---' || line === '...') break;
    if (isBlankLine(line) || trimYamlSpace(line).startsWith('#')) continue;
    const m = /^( *)([A-Za-z0-9_-]+):(?:[ \t]+(.*)|)$/s.exec(line); // (U+2028 is no line end here)
    if (m === null) continue;
    const [, indent = '', key = '', raw] = m;
    let value: string | undefined = raw;
    if (raw !== undefined && LITERAL_HEADER.test(trimYamlSpace(raw))) {
      const block = readLiteralBlock(raw, lines, i + 1, indent.length, lastLineOpen);
      value = undefined;
      i = block.next - 1;
      if (block.rest !== undefined) lines[block.next] = block.rest; // read on from there
      if (indent !== '' ? inCluster && key === 'uid' : STRING_KEYS.has(key)) {
        if (indent !== '') result.cluster = { uid: block.value };
        else result[key] = block.value;
      }
      if (indent === '') inCluster = false;
      continue;
    }
    if (indent !== '') {
      if (inCluster && key === 'uid' && value !== undefined) result.cluster = { uid: parseYamlScalar(value, indent.length + 4) };
      continue;
    }
    inCluster = key === 'cluster';
    if (inCluster) result.cluster = {};
    else if (STRING_KEYS.has(key)) result[key] = value === undefined ? '' : parseYamlScalar(value, 4);
    else if (key === 'no-promiscuous-mode') result[key] = TRUE_WORDS.has(parseYamlScalar(value ?? ''));
  }
  return result;
}
