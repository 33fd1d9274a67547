// Output formats of `csharg list`: table (default), wide, name, json (csharg's key order,
// 4-space indent), yaml, custom-columns=… and jsonpath=… (kubectl's subset, see json-path.ts),
// and the order of the targets (--sort-by).
import { targetToJSON } from '../core/target';
import type { Target } from '../core/target';
import { customColumnCell, parseCustomColumns } from './custom-columns';
import type { CustomColumn } from './custom-columns';
import { evaluateJsonPath, parseRelaxedJsonPath } from './json-path';
import type { JsonPath } from './json-path';
import { parseJsonPathTemplate, renderJsonPathTemplate } from './jsonpath-template';
import type { JsonPathTemplate } from './jsonpath-template';

export type ListFormat =
  | 'table'
  | 'wide'
  | 'name'
  | 'json'
  | 'yaml'
  | { kind: 'custom-columns'; columns: CustomColumn[] }
  | { kind: 'jsonpath'; template: JsonPathTemplate };

export function parseListFormat(text: string | undefined): ListFormat {
  if (text === undefined || text === '') return 'table';
  if (text === 'wide' || text === 'name' || text === 'json' || text === 'yaml') return text;
  if (text.startsWith('custom-columns=')) return { kind: 'custom-columns', columns: parseCustomColumns(text.slice('custom-columns='.length)) };
  if (text.startsWith('jsonpath=')) return { kind: 'jsonpath', template: parseJsonPathTemplate(text.slice('jsonpath='.length)) };
  throw new Error(`unsupported output format "${text}": use json, yaml, wide, name, custom-columns=HEADER:PATH,... or jsonpath=TEMPLATE`);
}

/** A target as csharg's JSON object (its key order), the data of json, yaml and the JSON paths. */
export function targetObject(t: Target): Record<string, unknown> {
  return JSON.parse(targetToJSON(t)) as Record<string, unknown>;
}

export type SortKey = 'name' | 'node' | 'type' | JsonPath;

/** `name`, `node`, `type`, or a JSON path into the target's JSON object (`.netns`, `{.pid}`). */
export function parseSortKey(text: string): SortKey {
  if (text === 'name' || text === 'node' || text === 'type') return text;
  return parseRelaxedJsonPath(text);
}

function compareTexts(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = a[i]!.localeCompare(b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

/** Numbers numerically, strings alphabetically, missing values last, other kinds as JSON. */
function comparePathValues(a: unknown, b: unknown): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ta = typeof a === 'string' ? a : JSON.stringify(a);
  const tb = typeof b === 'string' ? b : JSON.stringify(b);
  return ta.localeCompare(tb);
}

/** The order csharg lists targets in: by name, then by node; a sort key goes first. */
export function sortTargets(targets: readonly Target[], sortBy: SortKey = 'name'): Target[] {
  const key = (t: Target): string[] =>
    sortBy === 'node' ? [t.nodeName ?? '', t.name] : sortBy === 'type' ? [t.type, t.name, t.nodeName ?? ''] : [t.name, t.nodeName ?? ''];
  if (typeof sortBy === 'string') return [...targets].sort((a, b) => compareTexts(key(a), key(b)));
  const decorated = targets.map((t) => ({ t, v: evaluateJsonPath(sortBy, targetObject(t))[0] }));
  decorated.sort((a, b) => comparePathValues(a.v, b.v) || compareTexts(key(a.t), key(b.t)));
  return decorated.map((d) => d.t);
}

/** Columns padded to the widest cell plus three spaces (kubectl's look); row 0 is the header. */
export function table(rows: string[][], headers: boolean): string {
  const body = headers ? rows : rows.slice(1);
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return body.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]! + 3))).join('').trimEnd()).join('\n');
}

function yamlString(s: string): string {
  return /^[A-Za-z0-9_./()-][A-Za-z0-9_ ./():-]*$/.test(s) && !/^(true|false|null|yes|no|~|[-+]?\d)/i.test(s) && !s.endsWith(' ')
    ? s
    : JSON.stringify(s);
}

function yamlValue(value: unknown, indent: string): string {
  if (value === null) return ' null';
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value.map((v) => `\n${indent}- ${typeof v === 'string' ? yamlString(v) : JSON.stringify(v)}`).join('');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => `\n${indent}  ${k}:${yamlValue(v, `${indent}  `)}`).join('');
  }
  return ` ${typeof value === 'string' ? yamlString(value) : JSON.stringify(value)}`;
}

/** The text to print (without the final newline); empty when there is nothing to print. */
export function formatTargets(targets: readonly Target[], format: ListFormat, opts: { headers: boolean }): string {
  if (typeof format === 'object') {
    const items = targets.map(targetObject);
    if (format.kind === 'jsonpath') return renderJsonPathTemplate(format.template, { items });
    const rows = [format.columns.map((c) => c.header), ...items.map((item) => format.columns.map((c) => customColumnCell(c, item)))];
    return table(rows, opts.headers);
  }
  switch (format) {
    case 'json':
      return JSON.stringify(targets.map(targetObject), null, 4);
    case 'yaml':
      return targets
        .map((t) =>
          Object.entries(targetObject(t))
            .map(([k, v], i) => `${i === 0 ? '- ' : '  '}${k}:${yamlValue(v, '  ')}`)
            .join('\n'),
        )
        .join('\n');
    case 'name':
      return targets.map((t) => t.name).join('\n');
    case 'table':
    case 'wide': {
      const wide = format === 'wide';
      const rows = [wide ? ['TARGET', 'TYPE', 'NODE', 'SERVICE'] : ['TARGET', 'TYPE', 'NODE']];
      for (const t of targets) {
        const row = [t.name, t.type, t.nodeName ?? ''];
        if (wide) row.push(t.captureService ?? '');
        rows.push(row);
      }
      return table(rows, opts.headers);
    }
  }
}
