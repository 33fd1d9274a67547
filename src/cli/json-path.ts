// The JSON path subset of `-o jsonpath=`, `-o custom-columns=` and `--sort-by`, as kubectl
// spells it: `.field`, `['field']`, `[N]` (negative counts from the end), `[*]` and `.*`, from
// the current object (`@`, or a leading `.`) or the root (`$`). Field names may hold `-`
// (`.network-interfaces`). No filters, slices or recursive descent.

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
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every value the path reaches from `current` (or `root` for `$` paths); missing keys reach nothing. */
export function evaluateJsonPath(path: JsonPath, current: unknown, root: unknown = current): unknown[] {
  let values: unknown[] = [path.fromRoot ? root : current];
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const v of values) {
      if (step.kind === 'field') {
        if (isRecord(v) && Object.hasOwn(v, step.name)) next.push(v[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (Array.isArray(v)) {
        next.push(...(v as unknown[]));
      } else if (isRecord(v)) {
        next.push(...Object.values(v));
      }
    }
    values = next;
  }
  return values;
}

/** How a value prints: strings as they are, everything else as compact JSON. */
export function jsonPathText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

/** kubectl's relaxed form for custom-columns and --sort-by: `{.a}`, `.a` and `a` all mean `.a`. */
export function parseRelaxedJsonPath(text: string): JsonPath {
  let t = text.trim();
  if (t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1).trim();
  if (t !== '' && !'.[@$'.includes(t[0]!)) t = `.${t}`;
  if (t === '') throw new JsonPathError(text, 'is empty');
  return parseJsonPath(t);
}
