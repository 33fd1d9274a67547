// Output formats of `csharg list`, byte for byte as Siemens' csharg (Go, thediveo/klo) prints
// them: table (default), wide, name, custom-columns=…, custom-columns-file=…, json, yaml,
// jsonpath=…, jsonpath-file=…, go-template=…, go-template-file=… (a subset, go-template.ts); and the order of the targets (--sort-by). Where csharg is wrong we
// differ on purpose (docs/cli.md, "Differences from Siemens' csharg"): json, yaml and jsonpath
// are printed sorted (csharg prints `{}` for every target unless --sort-by is empty), errors in a
// template or sort key exit 1 (csharg prints nothing and exits 0), ties keep the default order.
import { readFileSync } from 'node:fs';
import { targetToJSON } from '../core/target';
import type { Target } from '../core/target';
import { customColumnCell, parseCustomColumns, parseCustomColumnsFile, scanLines } from './custom-columns';
import type { CustomColumn } from './custom-columns';
import { goJsonEscape, goTarget, goV, goYamlList, naturalLess, tabwriter } from './go-format';
import type { GoValue } from './go-format';
import { parseGoTemplate, renderGoTemplate } from './go-template';
import type { GoTemplate } from './go-template';
import { parseRelaxedJsonPath } from './json-path';
import { parseJsonPathTemplate, renderJsonPathTemplate, templateResults } from './jsonpath-template';
import type { JsonPathTemplate } from './jsonpath-template';

/** csharg's built-in column sets (cli/command/list.go). */
export const TARGET_COLUMNS = 'TARGET:{.Name},TYPE:{.Type},NODE:{.NodeName}';
export const TARGET_WIDE_COLUMNS = 'TARGET:{.Name},TYPE:{.Type},NODE:{.NodeName},SERVICE:{.CaptureService}';
export const POD_COLUMNS = 'POD:{.Name}';
export const POD_WIDE_COLUMNS = 'POD:{.Name},NODE:{.NodeName}';
const NAME_COLUMNS = 'NAME:{.Name}';
/** csharg's default --sort-by: name, then node, in natural order. */
export const DEFAULT_SORT_BY = "{.Name}{'/'}{.NodeName}";

export type ListFormat =
  | { kind: 'columns'; columns: CustomColumn[]; padding: number; hideHeaders?: boolean }
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'jsonpath'; template: JsonPathTemplate }
  | { kind: 'go-template'; template: GoTemplate };

export interface ListFormatContext {
  /** only pods are listed: the table and wide forms show csharg's POD columns */
  readonly podsOnly?: boolean;
  /** reads custom-columns-file= and jsonpath-file= (default: the file system) */
  readonly readFile?: (file: string) => string;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new Error(`open ${file}: ${why}`);
  }
}

const EXPECTED =
  "expected 'custom-columns', 'custom-columns-file', 'go-template', 'go-template-file', 'json', 'jsonpath', 'jsonpath-file', 'name', 'wide', or 'yaml'";

export function parseListFormat(text: string | undefined, ctx: ListFormatContext = {}): ListFormat {
  const read = ctx.readFile ?? readText;
  const columns = (spec: string): ListFormat => ({ kind: 'columns', columns: parseCustomColumns(spec), padding: 3 });
  if (text === undefined || text === '') return columns(ctx.podsOnly ? POD_COLUMNS : TARGET_COLUMNS);
  if (text === 'wide') return columns(ctx.podsOnly ? POD_WIDE_COLUMNS : TARGET_WIDE_COLUMNS);
  if (text === 'name') return { kind: 'columns', columns: parseCustomColumns(NAME_COLUMNS), padding: 1, hideHeaders: true };
  const eq = text.indexOf('=');
  const kind = eq < 0 ? text : text.slice(0, eq);
  const arg = eq < 0 ? undefined : text.slice(eq + 1);
  switch (kind) {
    case 'json':
      return { kind: 'json' };
    case 'yaml':
      return { kind: 'yaml' };
    case 'custom-columns':
      if (arg === undefined) throw new Error('missing custom columns specification');
      return columns(arg);
    case 'custom-columns-file':
      if (arg === undefined) throw new Error('missing custom columns filename');
      return { kind: 'columns', columns: parseCustomColumnsFile(read(arg)), padding: 3 };
    case 'jsonpath':
      if (arg === undefined) throw new Error('missing JSONPath expression');
      return { kind: 'jsonpath', template: parseJsonPathTemplate(arg) };
    case 'jsonpath-file': {
      if (arg === undefined) throw new Error('missing JSONPath filename');
      // csharg reads the first line of the file only.
      const first = scanLines(read(arg))[0];
      if (first === undefined || first === '') throw new Error(`missing JSONPath expression in ${JSON.stringify(arg)}`);
      return { kind: 'jsonpath', template: parseJsonPathTemplate(first) };
    }
    case 'go-template':
      // csharg: `-o go-template` without a template is the empty template.
      return { kind: 'go-template', template: parseGoTemplate(arg ?? '') };
    case 'go-template-file':
      return { kind: 'go-template', template: parseGoTemplate(read(arg ?? '')) };
    default:
      throw new Error(`unexpected output format ${JSON.stringify(kind)}, ${EXPECTED}`);
  }
}

/** A target as csharg's JSON object (its key order), the data of json and yaml. */
export function targetObject(t: Target): Record<string, unknown> {
  return JSON.parse(targetToJSON(t)) as Record<string, unknown>;
}

/** A sort key: a jsonpath template evaluated on each target's Go view; null = discovery order. */
export type SortKey = { readonly template: JsonPathTemplate; readonly text: string } | null;

const SORT_WORDS: Record<string, string> = { name: DEFAULT_SORT_BY, node: "{.NodeName}{'/'}{.Name}", type: '{.Type}' };

/**
 * csharg's --sort-by: a jsonpath template (`{.Name}{'/'}{.NodeName}`, `{.netns}`); empty = no
 * sorting (discovery order). Ours also takes `name`, `node`, `type` and a bare path (`.netns`),
 * which csharg would read as literal text that sorts nothing.
 */
export function parseSortKey(text: string): SortKey {
  if (text === '') return null;
  const template = SORT_WORDS[text] ?? (text.includes('{') ? text : `{${parseRelaxedJsonPath(text).text}}`);
  return { template: parseJsonPathTemplate(template), text };
}

/** klo's sort key of one item: `<none>` when nothing, the value itself when one, else the values' text run together. */
function sortValue(results: unknown[][]): unknown {
  if (results.length === 0 || results[0]!.length === 0) return '<none>';
  if (results.length === 1 && results[0]!.length === 1) return results[0]![0];
  return results.flat().map((v) => goV(v as GoValue)).join('');
}

/**
 * klo's reflectedLess: numbers numerically, strings in natural order. Other pairs (a list, a
 * number against a string) csharg never orders, so they come out in any order; ours compares
 * their %v text in natural order.
 */
function valueLess(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') return naturalLess(a, b);
  return naturalLess(goV(a as GoValue), goV(b as GoValue));
}

/**
 * The targets in --sort-by order (csharg's default: name, then node, natural order). Ties keep
 * the default order (csharg's sort is not stable: its ties come in any order).
 */
export function sortTargets(targets: readonly Target[], sortBy: SortKey = parseSortKey(DEFAULT_SORT_BY)): Target[] {
  if (sortBy === null) return [...targets];
  const defaultKey = (t: Target): string => `${t.name}/${t.nodeName ?? ''}`;
  const decorated = targets.map((t) => ({ t, v: sortValue(templateResults(sortBy.template, goTarget(t))), d: defaultKey(t) }));
  decorated.sort((a, b) => {
    if (valueLess(a.v, b.v)) return -1;
    if (valueLess(b.v, a.v)) return 1;
    return naturalLess(a.d, b.d) ? -1 : naturalLess(b.d, a.d) ? 1 : 0;
  });
  return decorated.map((d) => d.t);
}

/** The exact text to print (csharg's line ends included); empty when there is nothing to print. */
export function formatTargets(targets: readonly Target[], format: ListFormat, opts: { headers: boolean }): string {
  switch (format.kind) {
    case 'json':
      return `${goJsonEscape(JSON.stringify(targets.map(targetObject), null, 4))}\n`;
    case 'yaml':
      return goYamlList(targets.map(targetObject));
    case 'jsonpath':
      return renderJsonPathTemplate(format.template, targets.map(goTarget));
    case 'go-template':
      return renderGoTemplate(format.template, targets.map(goTarget));
    case 'columns': {
      const rows: string[][] = [];
      if (opts.headers && !format.hideHeaders) rows.push(format.columns.map((c) => c.header));
      for (const t of targets) {
        const item = goTarget(t);
        rows.push(format.columns.map((c) => customColumnCell(c, item)));
      }
      return tabwriter(rows, format.padding);
    }
  }
}
