// `-o custom-columns=HEADER:PATH,...` and `-o custom-columns-file=FILE` as csharg (thediveo/klo)
// has them: one column per spec, the path (`.name`, `{.name}`, `name` or `{name}`) taken from each
// target's Go view (JSON keys and Go field names); a cell prints Go's %v of the value (`[lo eth0]`
// for a list, `<nil>` for a nil pointer), several values joined by ", ", nothing found `<none>`.
import { goV } from './go-format';
import type { GoValue } from './go-format';
import { JsonPathError, evaluateJsonPath, parseJsonPath } from './json-path';
import type { JsonPath } from './json-path';

export interface CustomColumn {
  readonly header: string;
  readonly path: JsonPath;
}

const COLUMN_PATH = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/** A column's path as klo reads it: without braces and leading dot, then as `{.PATH}`. */
export function parseColumnPath(text: string): JsonPath {
  const m = COLUMN_PATH.exec(text);
  if (!m) {
    throw new JsonPathError(text, "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
  }
  const inner = m[1] ?? m[2]!;
  return parseJsonPath(inner.startsWith('[') ? inner : `.${inner}`);
}

export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec === '') throw new Error('no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) throw new Error(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    const path = part.slice(colon + 1);
    if (path === '') throw new Error(`custom-columns: "${part}" has no JSON path (e.g. custom-columns=NAME:.name,NETNS:.netns)`);
    return { header: part.slice(0, colon), path: parseColumnPath(path) };
  });
}

/** The lines Go's bufio.Scanner reads: split at \\n, a \\r before it dropped, no empty last line. */
export function scanLines(text: string): string[] {
  if (text === '') return [];
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  return lines.map((l) => l.replace(/\r$/, ''));
}

const EXPECTED_FILE = 'expected format is one line of space-separated column headers, and one line of space-separated JSONPath expressions';

/** `custom-columns-file=FILE`: a line of headers and a line of paths, separated by whitespace. */
export function parseCustomColumnsFile(text: string): CustomColumn[] {
  const lines = scanLines(text);
  const fields = (l: string): string[] => l.split(/\s+/).filter((x) => x !== '');
  if (lines.length < 1) throw new Error(`template is missing the header line; ${EXPECTED_FILE}`);
  if (lines.length < 2) throw new Error(`template is missing the JSON expressions line; ${EXPECTED_FILE}`);
  const headers = fields(lines[0]!);
  const paths = fields(lines[1]!);
  if (headers.length !== paths.length) {
    throw new Error(`number of column headers (${headers.length}) does not match number of JSON expressions (${paths.length})`);
  }
  if (headers.length === 0) throw new Error(`no columns specified; ${EXPECTED_FILE}`);
  return headers.map((header, i) => ({ header, path: parseColumnPath(paths[i]!) }));
}

export function customColumnCell(column: CustomColumn, item: unknown): string {
  const values = evaluateJsonPath(column.path, item);
  return values.length === 0 ? '<none>' : values.map((v) => goV(v as GoValue)).join(', ');
}
