// The JSON path subset of `-o jsonpath=`, `-o custom-columns=` and `--sort-by`, as kubectl
// spells it: `.field`, `['field']`, `[N]` (negative counts from the end), `[*]` and `.*`, from
// the current object (`@`, or a leading `.`) or the root (`$`). Field names may hold `-`
// (`.network-interfaces`). No filters, slices or recursive descent. Over csharg's targets a field
// is found by its JSON key or its Go field name (`.name` and `.Name`, `.netns` and `.NetNS`).
import { GoStruct, NIL_SLICE, goJsonEscape, goJsonPathText, scalarText } from './go-format';
import type { GoValue } from './go-format';
import { isRecordLike } from '../core/records';

export type PathStep = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' };

export interface JsonPath {
  /** `$`: from the root document rather than the current object */
  readonly fromRoot: boolean;
  readonly steps: readonly PathStep[];
  /** the text it was parsed from, for messages */
  readonly text: string;
}

/** A JSON path the command cannot use; the message says where and why. */
export class JsonPathError extends Error {
  constructor(text: string, detail: string) {
    super(`bad JSON path "${text}": ${detail}`);
    this.name = 'JsonPathError';
  }
}

const FIELD_END = /[.[\]{}\s,]/;

export function parseJsonPath(text: string): JsonPath {
  let pos = 0;
  let fromRoot = false;
  if (text[0] === '$') {
    fromRoot = true;
    pos = 1;
  } else if (text[0] === '@') {
    pos = 1;
  } else if (text[0] !== '.' && text[0] !== '[') {
    throw new JsonPathError(text, 'must start with ".", "[", "@" or "$"');
  }
  const steps: PathStep[] = [];
  // A lone `.` (or `@`, `$`) is the object itself.
  if (text === '.') return { fromRoot, steps, text };
  while (pos < text.length) {
    const c = text[pos];
    if (c === '.') {
      pos++;
      if (text[pos] === '*') {
        steps.push({ kind: 'all' });
        pos++;
        continue;
      }
      const start = pos;
      while (pos < text.length && !FIELD_END.test(text[pos]!)) pos++;
      if (pos === start) throw new JsonPathError(text, `a field name is missing at position ${start}`);
      steps.push({ kind: 'field', name: text.slice(start, pos) });
    } else if (c === '[') {
      const close = bracketEnd(text, pos);
      const inner = text.slice(pos + 1, close).trim();
      steps.push(bracketStep(text, inner));
      pos = close + 1;
    } else {
      throw new JsonPathError(text, `unexpected "${c}" at position ${pos}`);
    }
  }
  return { fromRoot, steps, text };
}

function bracketEnd(text: string, open: number): number {
  const quote = text[open + 1];
  if (quote === "'" || quote === '"') {
    const endQuote = text.indexOf(quote, open + 2);
    if (endQuote < 0 || text[endQuote + 1] !== ']') throw new JsonPathError(text, `unterminated [${quote}...${quote}] at position ${open}`);
    return endQuote + 1;
  }
  const close = text.indexOf(']', open);
  if (close < 0) throw new JsonPathError(text, `"[" at position ${open} is never closed`);
  return close;
}

function bracketStep(text: string, inner: string): PathStep {
  if (inner === '*') return { kind: 'all' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  if (inner.length >= 2 && (inner[0] === "'" || inner[0] === '"') && inner.endsWith(inner[0])) {
    return { kind: 'field', name: inner.slice(1, -1) };
  }
  throw new JsonPathError(text, `unsupported [${inner}]: use [N], [*] or ['field']`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return isRecordLike(v) && !(v instanceof GoStruct);
}

export interface EvaluateOptions {
  /**
   * client-go's JSONPath without AllowMissingKeys (csharg's jsonpath and --sort-by): a field no
   * input has, an index out of range, or an index into something that is no list is an error.
   * Otherwise (custom-columns) a missing field reaches nothing.
   */
  readonly strict?: boolean;
}

/**
 * Every value the path reaches from `current` (or `root` for `$` paths). Plain JSON objects and
 * csharg's Go view of a target (GoStruct: fields by JSON key or Go name, nil pointers `null`,
 * which reach nothing further) both work.
 */
export function evaluateJsonPath(path: JsonPath, current: unknown, root: unknown = current, opts: EvaluateOptions = {}): unknown[] {
  let values: unknown[] = [path.fromRoot ? root : current];
  for (const step of path.steps) {
    const next: unknown[] = [];
    const inputs = values.filter((v) => v !== null && v !== undefined);
    for (const v of inputs) {
      if (step.kind === 'field') {
        if (v instanceof GoStruct) {
          if (v.has(step.name)) next.push(v.get(step.name));
        } else if (isRecord(v) && Object.hasOwn(v, step.name)) {
          next.push(v[step.name]);
        }
      } else if (step.kind === 'index') {
        const list = v === NIL_SLICE ? [] : v;
        if (Array.isArray(list)) {
          const i = step.index < 0 ? list.length + step.index : step.index;
          if (i >= 0 && i < list.length) next.push(list[i]);
          else if (opts.strict) throw new JsonPathError(path.text, `array index out of bounds: index ${step.index}, length ${list.length}`);
        } else if (opts.strict) {
          throw new JsonPathError(path.text, `[${step.index}]: ${describe(v)} is not a list`);
        }
      } else if (v === NIL_SLICE) {
        // nothing in it
      } else if (Array.isArray(v)) {
        next.push(...(v as unknown[]));
      } else if (v instanceof GoStruct) {
        next.push(...v.values());
      } else if (isRecord(v)) {
        next.push(...Object.values(v));
      }
    }
    // client-go counts nil pointers as inputs: `.cluster.uid` with no cluster is not found.
    if (opts.strict && step.kind === 'field' && values.length > 0 && next.length === 0) {
      throw new JsonPathError(path.text, `${step.name} is not found`);
    }
    values = next;
  }
  return values;
}

function describe(v: unknown): string {
  return v instanceof GoStruct ? 'a target' : isRecord(v) ? 'an object' : JSON.stringify(v) ?? String(v);
}

/**
 * How a value prints in a jsonpath template, as client-go prints it: strings and numbers as they
 * are, lists and objects as compact JSON (Go's escaping), a Go nil pointer as `<nil>`.
 */
export function jsonPathText(value: unknown): string {
  if (value instanceof GoStruct || value === NIL_SLICE || value === null || Array.isArray(value)) return goJsonPathText(value as GoValue);
  if (typeof value === 'object') return goJsonEscape(JSON.stringify(value));
  return scalarText(value);
}

/** kubectl's relaxed form for custom-columns and --sort-by: `{.a}`, `.a` and `a` all mean `.a`. */
export function parseRelaxedJsonPath(text: string): JsonPath {
  let t = text.trim();
  if (t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1).trim();
  if (t !== '' && !'.[@$'.includes(t[0]!)) t = `.${t}`;
  if (t === '') throw new JsonPathError(text, 'is empty');
  return parseJsonPath(t);
}
