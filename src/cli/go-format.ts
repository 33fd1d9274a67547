// How Siemens' csharg (Go) prints `list` output, so that ours is the same byte for byte: the Go
// view of a target that its JSON paths walk (Go field names as well as JSON keys, every field
// present with its zero value), Go's `%v` and `encoding/json` text of values, natural sort order,
// text/tabwriter's columns, and the YAML that csharg gets from JSON through go-yaml v2.
import type { Target } from '../core/target';

/** A Go nil slice: prints `[]` with %v but `null` as JSON (an empty slice is a plain `[]`). */
export const NIL_SLICE: unique symbol = Symbol('nil slice');

/** A value in the Go view: Go nil pointers are `null`. */
export type GoValue = string | number | boolean | null | typeof NIL_SLICE | readonly GoValue[] | GoStruct;

interface GoField {
  readonly json: string;
  readonly go: string;
  readonly value: GoValue;
  /** `omitempty`: left out of JSON when zero */
  readonly omitEmpty: boolean;
}

/** A Go struct (behind a pointer, as csharg's targets are): fields by JSON tag or Go name. */
export class GoStruct {
  constructor(private readonly fields: readonly GoField[]) {}

  /** The field named by its JSON tag, else by its Go name (the JSON path lookup of client-go). */
  has(name: string): boolean {
    return this.fields.some((f) => f.json === name) || this.fields.some((f) => f.go === name);
  }

  /** A field by its Go name only (Go templates). */
  hasGoField(name: string): boolean {
    return this.fields.some((f) => f.go === name);
  }

  get(name: string): GoValue {
    return (this.fields.find((f) => f.json === name) ?? this.fields.find((f) => f.go === name))!.value;
  }

  values(): GoValue[] {
    return this.fields.map((f) => f.value);
  }

  /** The JSON object Go's encoding/json writes for this struct (keys in field order). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.fields) {
      if (f.omitEmpty && isZero(f.value)) continue;
      out[f.json] = jsonValue(f.value);
    }
    return out;
  }

  /** Go's `%v` of the struct: `{v1 v2 …}`. */
  formatV(): string {
    return `{${this.fields.map((f) => goV(f.value, true)).join(' ')}}`;
  }
}

function isZero(v: GoValue): boolean {
  return v === '' || v === 0 || v === false || v === null || v === NIL_SLICE;
}

function jsonValue(v: GoValue): unknown {
  if (v === NIL_SLICE) return null;
  if (v instanceof GoStruct) return v.toJSON();
  if (Array.isArray(v)) return (v as GoValue[]).map(jsonValue);
  return v;
}

/** csharg's api.Target as Go holds it: every field, zero when the server left it out. */
export function goTarget(t: Target): GoStruct {
  const f = (json: string, go: string, value: GoValue, omitEmpty = false): GoField => ({ json, go, value, omitEmpty });
  const cluster = t.cluster
    ? new GoStruct([f('context', 'Context', t.cluster.context), f('uid', 'UID', t.cluster.uid ?? '', true)])
    : null;
  return new GoStruct([
    f('name', 'Name', t.name),
    f('type', 'Type', t.type),
    f('netns', 'NetNS', t.netns ?? 0),
    f('network-interfaces', 'NetworkInterfaces', t.networkInterfaces ? [...t.networkInterfaces] : NIL_SLICE),
    f('prefix', 'Prefix', t.prefix ?? ''),
    f('starttime', 'StartTime', t.starttime ?? 0, true),
    f('pid', 'Pid', t.pid ?? 0, true),
    f('node-name', 'NodeName', t.nodeName ?? '', true),
    f('cluster', 'Cluster', cluster, true),
    f('capture-service', 'CaptureService', t.captureService ?? '', true),
    f('captureport', 'CapturePort', t.capturePort ?? 0, true),
  ]);
}

/**
 * Go's `%v` (fmt.Sprintf("%v")): strings as they are, `[a b]` for slices, `<nil>` for a nil
 * pointer, `&{…}` for a pointer to a struct (only the address when nested: we print `&{…}`).
 */
export function goV(v: GoValue, _nested = false): string {
  if (v === null) return '<nil>';
  if (v === NIL_SLICE) return '[]';
  if (v instanceof GoStruct) return `&${v.formatV()}`;
  if (Array.isArray(v)) return `[${(v as GoValue[]).map((x) => goV(x, true)).join(' ')}]`;
  if (typeof v === 'object') {
    const obj = v as unknown as Record<string, GoValue>;
    return `map[${Object.keys(obj).sort().map((k) => `${k}:${goV(obj[k]!, true)}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's json.Marshal escapes `<`, `>`, `&`, U+2028 and U+2029 where JSON.stringify does not. */
export function goJsonEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go's json.Marshal (compact) of a value of the Go view. */
export function goJson(v: GoValue): string {
  return goJsonEscape(JSON.stringify(jsonValue(v)) ?? 'null');
}

/**
 * What client-go's JSONPath prints for one value: structs, slices and maps as compact JSON,
 * nil pointers as `<nil>`, everything else as `%v`. (csharg prints a whole target, a pointer,
 * as Go's struct dump `{name type …}`; we print its JSON: see docs/cli.md.)
 */
export function goJsonPathText(v: GoValue): string {
  if (v === null) return '<nil>';
  if (v === NIL_SLICE || Array.isArray(v) || v instanceof GoStruct) return goJson(v);
  return scalarText(v);
}

/** A string as it is, a number or boolean as Go's %v writes it (JSON for anything else). */
export function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/**
 * Natural order of github.com/fvbommel/sortorder (csharg's --sort-by): non-digit runs compare
 * bytewise (UTF-8), digit runs numerically (fewer leading zeros first on a tie), digits before
 * other bytes.
 */
export function naturalLess(s1: string, s2: string): boolean {
  const a = Buffer.from(s1, 'utf8');
  const b = Buffer.from(s2, 'utf8');
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c1 = a[i]!;
    const c2 = b[j]!;
    const d1 = isDigit(c1);
    const d2 = isDigit(c2);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i++;
      j++;
      continue;
    }
    while (i < a.length && a[i] === 0x30) i++;
    while (j < b.length && b[j] === 0x30) j++;
    const nz1 = i;
    const nz2 = j;
    while (i < a.length && isDigit(a[i]!)) i++;
    while (j < b.length && isDigit(b[j]!)) j++;
    if (i - nz1 !== j - nz2) return i - nz1 < j - nz2;
    const n1 = a.subarray(nz1, i).toString('latin1');
    const n2 = b.subarray(nz2, j).toString('latin1');
    if (n1 !== n2) return n1 < n2;
    if (nz1 !== nz2) return nz1 < nz2;
  }
  // Identical so far and at least one ended: the one that goes on sorts last.
  return a.length < b.length;
}

/**
 * Go's text/tabwriter as csharg sets it up (minwidth 5, padding 3 (1 for `-o name`), pad with
 * spaces, no flags), fed one line per row with the cells separated by tabs: a tab or line break
 * inside a value splits it as in Go. A cell that a tab ends is padded to its column block's width
 * (the widest cell of the consecutive lines that have that column, plus the padding, at least
 * minwidth); the last cell of a line is printed as it is. Widths count code points (Go: runes).
 */
export function tabwriter(rows: readonly (readonly string[])[], padding = 3, minwidth = 5): string {
  const text = rows.map((r) => `${r.join('\t')}\n`).join('');
  if (text === '') return '';
  const lines = text.slice(0, -1).split('\n').map((l) => l.split('\t'));
  const width = (s: string): number => [...s].length;
  const widths: number[] = [];
  const out: string[] = [];
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      out.push(lines[i]!.map((cell, j) => (j < widths.length ? cell + ' '.repeat(Math.max(0, widths[j]! - width(cell))) : cell)).join(''), '\n');
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let w = minwidth;
      for (; i < line1 && column < lines[i]!.length - 1; i++) w = Math.max(w, width(lines[i]![column]!) + padding);
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join('');
}

// ---- YAML as csharg writes it: sigs.k8s.io/yaml (JSON → go-yaml v2), keys sorted ----

/** go-yaml v2's map key order for the keys csharg's targets have (letters after other runes). */
function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = /\p{L}/u.test(ar[i]!);
    const bl = /\p{L}/u.test(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return bl;
    const ad = /\d/.test(ar[i]!);
    const bd = /\d/.test(br[i]!);
    if (ad || bd) {
      const an = Number(/^\d*/.exec(ar.slice(i).join(''))![0] || '0');
      const bn = Number(/^\d*/.exec(br.slice(i).join(''))![0] || '0');
      if (an !== bn) return an < bn;
    }
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}

function sortedKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj).sort((a, b) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
}

/** Would go-yaml v2 read this plain scalar as something other than a string? Then it quotes it. */
function resolvesToNonString(s: string): boolean {
  if (['', '~', 'null', 'Null', 'NULL'].includes(s)) return true;
  if (/^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(s)) return true;
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s) || /^\.(nan|NaN|NAN)$/.test(s) || s === '<<') return true;
  const c = s[0]!;
  if (c === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
  if (!/[-+0-9]/.test(c)) return false;
  if (/^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(s)) return true; // timestamps
  const plain = s.replace(/_/g, '');
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(plain) || /^[-+]?0[xX][0-9a-fA-F]+$/.test(plain) || /^[-+]?0[oO]?[0-7]+$/.test(plain)) return true;
  if (/^[-+]?0[bB][01]+$/.test(plain)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return true;
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s); // base 60 floats
}

/** go-yaml v2's is_printable: no C0/C1 controls, no BOM, and nothing beyond the BMP. */
const isPrintable = (cp: number): boolean =>
  cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
const isBreak = (cp: number): boolean => cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;

/**
 * The style go-yaml's emitter picks for a string in block context: plain, single quoted, literal
 * (`|-`, for text with line breaks) or double quoted. `indent` is where a literal's lines go.
 * (go-yaml also folds long plain and quoted scalars at spaces past column 80; not done here.)
 */
function yamlScalar(s: string, indent = ''): string {
  const cps = [...s];
  let plain = !(s.startsWith('---') || s.startsWith('...'));
  let special = false;
  let lineBreaks = false;
  let spaceBreak = false;
  let breakSpace = false;
  cps.forEach((ch, i) => {
    const cp = ch.codePointAt(0)!;
    const next = cps[i + 1];
    const followedByBlank = next === undefined || next === ' ' || next === '\t' || isBreak(next.codePointAt(0)!);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) plain = false;
      else if ((ch === '?' || ch === ':' || ch === '-') && followedByBlank) plain = false;
    } else if (ch === ':' && followedByBlank) {
      plain = false;
    } else if (ch === '#' && /[ \t\n\r\u0085\u2028\u2029]/.test(cps[i - 1]!)) {
      plain = false;
    }
    if (!isPrintable(cp)) special = true;
    if (isBreak(cp)) {
      lineBreaks = true;
      if (i > 0 && cps[i - 1] === ' ') spaceBreak = true;
    } else if (ch === ' ' && i > 0 && isBreak(cps[i - 1]!.codePointAt(0)!)) {
      breakSpace = true;
    }
  });
  const first = cps[0];
  const last = cps[cps.length - 1];
  const edgeSpace = first === ' ' || last === ' ';
  const edgeBreak = (first !== undefined && isBreak(first.codePointAt(0)!)) || (last !== undefined && isBreak(last.codePointAt(0)!));
  if (resolvesToNonString(s)) return yamlDoubleQuoted(s);
  if (s.includes('\n')) {
    // go-yaml asks for a literal block; the emitter falls back to double quotes when it cannot.
    if (special || spaceBreak || last === ' ') return yamlDoubleQuoted(s);
    return yamlLiteral(s, indent);
  }
  if (special || spaceBreak) return yamlDoubleQuoted(s);
  if (plain && !edgeSpace && !edgeBreak && !lineBreaks) return s;
  if (breakSpace) return yamlDoubleQuoted(s);
  return `'${s.replace(/'/g, "''")}'`;
}

function yamlLiteral(s: string, indent: string): string {
  const chomp = !s.endsWith('\n') ? '-' : s.endsWith('\n\n') || s === '\n' ? '+' : '';
  const hint = s.startsWith(' ') || s.startsWith('\n') ? '2' : '';
  const body = (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n');
  return `|${hint}${chomp}\n${body.map((l) => (l === '' ? '' : `${indent}${l}`)).join('\n')}`;
}

function yamlDoubleQuoted(s: string): string {
  const named: Record<number, string> = { 0: '0', 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 27: 'e', 34: '"', 92: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P' };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (isPrintable(cp) && !isBreak(cp) && cp !== 0x22 && cp !== 0x5c) {
      out += ch;
    } else if (named[cp] !== undefined) {
      out += `\\${named[cp]}`;
    } else {
      const hex = cp.toString(16).toUpperCase();
      out += cp <= 0xff ? `\\x${hex.padStart(2, '0')}` : cp <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

function isScalar(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== 'object' || (Array.isArray(v) && v.length === 0) || Object.keys(v).length === 0;
}

function yamlScalarValue(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v === 'string') return yamlScalar(v, indent);
  return scalarText(v);
}

/** A block mapping, every line starting with `indent`. */
function yamlMapping(obj: Record<string, unknown>, indent: string): string {
  return sortedKeys(obj)
    .map((k) => {
      const v = obj[k];
      const head = `${indent}${yamlScalar(k)}:`;
      if (isScalar(v)) return `${head} ${yamlScalarValue(v, `${indent}  `)}\n`;
      // go-yaml v2 does not indent a sequence under a mapping key; a mapping goes two deeper.
      return Array.isArray(v) ? `${head}\n${yamlSequence(v, indent)}` : `${head}\n${yamlMapping(v as Record<string, unknown>, `${indent}  `)}`;
    })
    .join('');
}

/** A block sequence, every `-` at `indent`; a collection item starts on the dash's line. */
function yamlSequence(items: readonly unknown[], indent: string): string {
  return items
    .map((v) => {
      if (isScalar(v)) return `${indent}- ${yamlScalarValue(v, `${indent}  `)}\n`;
      const inner = Array.isArray(v) ? yamlSequence(v, `${indent}  `) : yamlMapping(v as Record<string, unknown>, `${indent}  `);
      return `${indent}- ${inner.slice(indent.length + 2)}`;
    })
    .join('');
}

/** csharg's `-o yaml` of a list of JSON objects (`[]` when empty). */
export function goYamlList(items: readonly Record<string, unknown>[]): string {
  return items.length === 0 ? '[]\n' : yamlSequence(items, '');
}
