// How Go's gopkg.in/yaml.v3 (v3.0.1) writes the capture target document that csharg puts into
// the first SHB comment (`yaml.Marshal` of a flat struct: indentation 4, no line width limit).
// csharg's editor is the reference for every byte of that comment, so this is a model of that
// library's choices, written from its documented and observed behaviour:
//
// 1. Which style the encoder asks for: a literal block (`|`) when the string holds a line feed;
//    plain when a YAML reader would read the plain text back as this string (not null, bool,
//    int, float or timestamp, not a YAML 1.1 bool like `yes`/`off`, not a base-60 number like
//    `12:30`); double-quoted otherwise.
// 2. Which style the emitter grants after looking at the characters: plain needs no indicator
//    at the start, no `: ` or ` #` inside, no leading or trailing space, no line break, tab or
//    unprintable character; otherwise it falls back to single quotes, and those need no tab,
//    no unprintable character and no space next to a line break; otherwise double quotes. A
//    literal block needs no unprintable character, no trailing space and no space before a
//    line break; otherwise double quotes.
// 3. How each style is written, line breaks and indentation included (with the library's own
//    oddities: U+2028/U+2029 count as line breaks but are written as themselves; a string that
//    starts with U+FEFF is escaped character by character; characters beyond U+FFFF are not
//    printable to it and become `\UXXXXXXXX`).
//
// Strings are taken as JavaScript strings; a lone surrogate becomes U+FFFD first, as Go's JSON
// decoder (and Buffer's UTF-8 encoder) would make it.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The indentation csharg's yaml.Marshal uses (yaml.v3's default). */
export const GO_YAML_INDENT = 4;

// ---- 1. What the plain text would read back as -------------------------------------------

// Exact words a YAML 1.2 core-schema reader (and yaml.v3) takes for null, bool, float or merge.
const RESOLVED_WORDS = new Set([
  '', '~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<',
]);
// YAML 1.1 booleans, still quoted on output so that older readers do not take them for bools.
const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
// YAML 1.1 sexagesimal numbers such as 1:30 or 190:20:30.15, also quoted for older readers.
const BASE_60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
// A Go float literal that starts with its point (the only kind a `.` can start), underscores allowed.
const GO_POINT_FLOAT = /^\.[0-9_]*(?:[eE][-+]?[0-9][0-9_]*)?$/;

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Go's strconv rule for `_` in numbers: only between digits (a base prefix counts as a digit). */
function goUnderscoresOk(text: string): boolean {
  let s = text;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1] as string)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/**
 * Go's strconv.ParseUint(s, base, 64) for text without `_`: the value, or undefined for a syntax
 * or range error. Base 0 reads the prefixes 0b, 0o, 0x, and a leading 0 as octal.
 */
function goParseUint(text: string, base: number): bigint | undefined {
  if (text === '') return undefined;
  let s = text;
  let radix = base;
  if (radix === 0) {
    radix = 10;
    if (s[0] === '0') {
      const prefix = s.length >= 3 ? (s[1] as string).toLowerCase() : '';
      radix = prefix === 'b' ? 2 : prefix === 'x' ? 16 : 8;
      s = s.slice(prefix === 'b' || prefix === 'o' || prefix === 'x' ? 2 : 1);
    }
  }
  let value = 0n;
  for (const c of s) {
    const digit = DIGITS.indexOf(c.toLowerCase());
    if (digit < 0 || digit >= radix) return undefined;
    value = value * BigInt(radix) + BigInt(digit);
    if (value > UINT64_MAX) return undefined;
  }
  return value;
}

/** Go's strconv.ParseInt(s, base, 64) succeeds: an optional sign, then ParseUint, within int64. */
function goParseIntOk(text: string, base: number): boolean {
  const negative = text.startsWith('-');
  const magnitude = goParseUint(negative || text.startsWith('+') ? text.slice(1) : text, base);
  return magnitude !== undefined && magnitude <= (negative ? INT64_MAX + 1n : INT64_MAX);
}

function goParseUintOk(text: string, base: number): boolean {
  return goParseUint(text, base) !== undefined;
}

/** A decimal float text (already syntax-checked) is within float64 range (Go's ErrRange otherwise). */
function floatInRange(text: string): boolean {
  return Number.isFinite(Number(text.replace(/_/g, '')));
}

const TIMESTAMP_LAYOUTS: RegExp[] = [
  // Go layouts "2006-1-2T15:4:5.999999999Z07:00" (T or t), "2006-1-2 15:4:5.999999999", "2006-1-2":
  // months, days, hours, minutes and seconds of one or two digits, a fraction after `.` or `,`,
  // `Z` or ±hh:mm, and a layout space matching any run of spaces.
  /^(\d{4})-(\d\d?)-(\d\d?)[Tt](\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?(?:Z|([-+])(\d\d):(\d\d))$/,
  /^(\d{4})-(\d\d?)-(\d\d?) +(\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?()()()$/,
  /^(\d{4})-(\d\d?)-(\d\d?)()()()()()()$/,
];

function daysInMonth(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Go's time.Parse accepts `text` in one of the layouts yaml.v3 tries for a timestamp. */
function isGoYamlTimestamp(text: string): boolean {
  if (!/^\d{4}-/.test(text)) return false;
  for (const layout of TIMESTAMP_LAYOUTS) {
    const m = layout.exec(text);
    if (m === null) continue;
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(month, year)) continue;
    if (m[4] !== '' && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59)) continue;
    if (m[7] !== undefined && m[7] !== '' && (Number(m[8]) > 24 || Number(m[9]) > 60)) continue;
    return true;
  }
  return false;
}

/** What yaml.v3 would read plain `text` as: true when a string, false for anything else. */
function readsBackAsString(text: string): boolean {
  const first = text.charAt(0);
  const sign = first === '+' || first === '-';
  const digit = first >= '0' && first <= '9';
  const mapped = 'yYnNtTfFoO~'.includes(first) && first !== '';
  if (!(sign || digit || mapped || first === '.' || text === '')) return true;
  if (RESOLVED_WORDS.has(text)) return false;
  if (mapped) return true;
  if (first === '.') {
    // Go's ParseFloat: digits after the point (at least one), an exponent, `_` between digits.
    const mantissa = text.slice(1).split(/[eE]/)[0] as string;
    const ok = GO_POINT_FLOAT.test(text) && /[0-9]/.test(mantissa) && goUnderscoresOk(text) && floatInRange(text);
    return !ok;
  }
  if (isGoYamlTimestamp(text)) return false;
  const plain = text.replace(/_/g, '');
  if (goParseIntOk(plain, 0) || goParseUintOk(plain, 0)) return false;
  if (YAML_FLOAT.test(plain) && floatInRange(plain)) return false;
  for (const [prefix, base] of [['0b', 2], ['0o', 8]] as const) {
    if (plain.startsWith(prefix)) return !(goParseIntOk(plain.slice(2), base) || goParseUintOk(plain.slice(2), base));
    if (plain.startsWith(`-${prefix}`)) return !goParseIntOk(`-${plain.slice(3)}`, base);
  }
  return true;
}

/** yaml.v3 asks for the plain style for this string (the emitter may still refuse it). */
function encoderWantsPlain(text: string): boolean {
  return readsBackAsString(text) && !BASE_60.test(text) && !OLD_BOOLS.has(text);
}

// ---- 2. What the emitter allows ------------------------------------------------------------

const LF = 0x0a;

function isBreak(cp: number): boolean {
  return cp === 0x0d || cp === LF || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

function isBlank(cp: number | undefined): boolean {
  return cp === 0x20 || cp === 0x09;
}

/** yaml.v3's printable set: LF, ASCII graphics, U+00A0..U+D7FF, U+E000..U+FFFD but U+FEFF (nothing beyond U+FFFF). */
function isPrintable(cp: number): boolean {
  return cp === LF || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff)
    || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

interface Allowed {
  readonly plain: boolean;
  readonly singleQuoted: boolean;
  readonly block: boolean;
}

function analyze(cps: readonly number[]): Allowed {
  const n = cps.length;
  let indicators = false;
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  const startsWith = (s: string): boolean => String.fromCodePoint(...cps.slice(0, 3)) === s;
  if (n >= 3 && (startsWith('---') || startsWith('...'))) indicators = true;
  for (let i = 0; i < n; i++) {
    const cp = cps[i] as number;
    const c = String.fromCodePoint(cp);
    const followedByWhitespace = i + 1 >= n || isBlank(cps[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) indicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) indicators = true;
    } else if ((c === ':' && followedByWhitespace) || (c === '#' && precededByWhitespace)) {
      indicators = true;
    }
    if (cp === 0x09) tabs = true;
    else if (!isPrintable(cp)) special = true;
    if (cp === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(cp)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(cp) || isBreak(cp) || cp === 0;
  }
  const edgeSpace = leadingSpace || leadingBreak || trailingSpace || trailingBreak;
  return {
    plain: !(edgeSpace || breakSpace || spaceBreak || tabs || special || lineBreaks || indicators),
    singleQuoted: !(breakSpace || spaceBreak || tabs || special),
    block: !(trailingSpace || spaceBreak || special),
  };
}

// ---- 3. Writing -----------------------------------------------------------------------------

const NAMED_ESCAPES = new Map<number, string>([
  [0x00, '0'], [0x07, 'a'], [0x08, 'b'], [0x09, 't'], [LF, 'n'], [0x0b, 'v'], [0x0c, 'f'], [0x0d, 'r'],
  [0x1b, 'e'], [0x22, '"'], [0x5c, '\\'], [0x85, 'N'], [0xa0, '_'], [0x2028, 'L'], [0x2029, 'P'],
]);

function escapeCodePoint(cp: number): string {
  const named = NAMED_ESCAPES.get(cp);
  if (named !== undefined) return `\\${named}`;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

/**
 * The output of a yaml.v3 emitter, modelled as far as a flat block mapping of strings needs:
 * the column, whether the last thing written was whitespace, and whether the line so far is
 * indentation only.
 */
export class GoYamlWriter {
  #out = '';
  #column = 0;
  #whitespace = true;
  #indention = true;

  get text(): string {
    return this.#out;
  }

  #put(s: string): void {
    this.#out += s;
    this.#column += 1;
  }

  #putBreak(): void {
    this.#out += '\n';
    this.#column = 0;
    this.#indention = true;
  }

  #writeBreak(cp: number): void {
    if (cp === LF) {
      this.#putBreak();
      return;
    }
    // U+2028 and U+2029 are written as they are, yet start a new line as far as the emitter knows.
    this.#out += String.fromCodePoint(cp);
    this.#column = 0;
    this.#indention = true;
  }

  #writeIndent(indent: number): void {
    if (!this.#indention || this.#column > indent || (this.#column === indent && !this.#whitespace)) this.#putBreak();
    while (this.#column < indent) this.#put(' ');
    this.#whitespace = true;
  }

  #indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.#whitespace) this.#put(' ');
    for (const c of text) this.#put(c);
    this.#whitespace = isWhitespace;
    this.#indention = this.#indention && isIndention;
  }

  /** A mapping key (always a plain word here) at `indent`, and its `:`. */
  key(name: string, indent: number): this {
    this.#writeIndent(indent);
    for (const c of name) this.#put(c);
    this.#whitespace = false;
    this.#indention = false;
    this.#indicator(':', false, false, false);
    return this;
  }

  /** A boolean value (yaml.v3 writes `true`/`false` plain). */
  bool(value: boolean): this {
    if (!this.#whitespace) this.#put(' ');
    for (const c of String(value)) this.#put(c);
    this.#whitespace = false;
    this.#indention = false;
    return this;
  }

  /** An empty mapping as a value: ` {}`. */
  emptyMapping(): this {
    this.#indicator('{', true, true, false);
    this.#indicator('}', false, false, false);
    return this;
  }

  /** A string value whose continuation lines are indented by `indent`. */
  string(value: string, indent: number): this {
    const text = value.replace(LONE_SURROGATE, '\ufffd');
    const cps = Array.from(text, (c) => c.codePointAt(0) as number);
    const allowed = analyze(cps);
    let style: 'plain' | 'single' | 'double' | 'literal' = text.includes('\n') ? 'literal' : encoderWantsPlain(text) ? 'plain' : 'double';
    if (style === 'plain' && !allowed.plain) style = 'single';
    if (style === 'single' && !allowed.singleQuoted) style = 'double';
    if (style === 'literal' && !allowed.block) style = 'double';
    switch (style) {
      case 'plain':
        if (!this.#whitespace) this.#put(' ');
        for (const c of text) this.#put(c);
        this.#whitespace = false;
        this.#indention = false;
        break;
      case 'single':
        this.#singleQuoted(cps, indent);
        break;
      case 'double':
        this.#doubleQuoted(cps);
        break;
      case 'literal':
        this.#literal(cps, indent);
        break;
    }
    return this;
  }

  /** Ends the document: the last line gets its newline. */
  end(): string {
    this.#writeIndent(0);
    return this.#out;
  }

  #singleQuoted(cps: readonly number[], indent: number): void {
    this.#indicator("'", true, false, false);
    let breaks = false;
    for (const cp of cps) {
      if (isBreak(cp)) {
        if (!breaks && cp === LF) this.#putBreak();
        this.#writeBreak(cp);
        breaks = true;
        continue;
      }
      if (breaks) this.#writeIndent(indent);
      if (cp === 0x27) this.#put("'");
      this.#put(String.fromCodePoint(cp));
      this.#indention = false;
      breaks = false;
    }
    this.#indicator("'", false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #doubleQuoted(cps: readonly number[]): void {
    this.#indicator('"', true, false, false);
    // yaml.v3 escapes every character of a string that starts with a byte order mark.
    const bomStart = cps[0] === 0xfeff;
    for (const cp of cps) {
      if (bomStart || !isPrintable(cp) || isBreak(cp) || cp === 0x22 || cp === 0x5c) {
        for (const c of escapeCodePoint(cp)) this.#put(c);
      } else {
        this.#put(String.fromCodePoint(cp));
      }
    }
    this.#indicator('"', false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #literal(cps: readonly number[], indent: number): void {
    this.#indicator('|', true, false, false);
    const first = cps[0] as number;
    if (first === 0x20 || isBreak(first)) this.#indicator(String(GO_YAML_INDENT), false, false, false);
    const last = cps[cps.length - 1] as number;
    if (!isBreak(last)) this.#indicator('-', false, false, false);
    else if (cps.length === 1 || isBreak(cps[cps.length - 2] as number)) this.#indicator('+', false, false, false);
    this.#whitespace = true;
    let breaks = true;
    for (const cp of cps) {
      if (isBreak(cp)) {
        this.#writeBreak(cp);
        breaks = true;
        continue;
      }
      if (breaks) this.#writeIndent(indent);
      this.#put(String.fromCodePoint(cp));
      this.#indention = false;
      breaks = false;
    }
  }
}
