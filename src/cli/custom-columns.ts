// `-o custom-columns=HEADER:PATH,...` as kubectl has it: one column per spec, the path (relaxed:
// `.name`, `{.name}` or `name`) taken from each target's JSON object; several values join with
// a comma, a missing value prints `<none>`.
import { JsonPathError, evaluateJsonPath, jsonPathText, parseRelaxedJsonPath } from './json-path';
import type { JsonPath } from './json-path';

export interface CustomColumn {
  readonly header: string;
  readonly path: JsonPath;
}

export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.trim() === '') throw new JsonPathError(spec, 'custom-columns needs at least one HEADER:PATH');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon <= 0 || colon === part.length - 1) {
      throw new Error(`custom-columns: "${part}" is not HEADER:PATH (e.g. custom-columns=NAME:.name,NETNS:.netns)`);
    }
    return { header: part.slice(0, colon), path: parseRelaxedJsonPath(part.slice(colon + 1)) };
  });
}

export function customColumnCell(column: CustomColumn, item: unknown): string {
  const values = evaluateJsonPath(column.path, item).filter((v) => v !== null && v !== undefined);
  return values.length === 0 ? '<none>' : values.map(jsonPathText).join(',');
}
