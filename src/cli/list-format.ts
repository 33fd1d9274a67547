// Output formats of `csharg list`: table (default), wide, name, json (csharg's key order,
// 4-space indent), yaml.
import { targetToJSON } from '../core/target';
import type { Target } from '../core/target';

export type ListFormat = 'table' | 'wide' | 'name' | 'json' | 'yaml';

export function parseListFormat(text: string | undefined): ListFormat {
  if (text === undefined || text === '') return 'table';
  if (text === 'wide' || text === 'name' || text === 'json' || text === 'yaml') return text;
  throw new Error(`unsupported output format "${text}": use json, yaml, wide or name`);
}

/** The order csharg lists targets in: by name, then by node. */
export function sortTargets(targets: readonly Target[], sortBy: 'name' | 'node' | 'type' = 'name'): Target[] {
  const key = (t: Target): string[] =>
    sortBy === 'node' ? [t.nodeName ?? '', t.name] : sortBy === 'type' ? [t.type, t.name, t.nodeName ?? ''] : [t.name, t.nodeName ?? ''];
  return [...targets].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      const c = ka[i]!.localeCompare(kb[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
}

function table(rows: string[][], headers: boolean): string {
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

export function formatTargets(targets: readonly Target[], format: ListFormat, opts: { headers: boolean }): string {
  switch (format) {
    case 'json':
      return JSON.stringify(targets.map((t) => JSON.parse(targetToJSON(t)) as unknown), null, 4);
    case 'yaml':
      return targets
        .map((t) =>
          Object.entries(JSON.parse(targetToJSON(t)) as Record<string, unknown>)
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
