// `-o jsonpath=TEMPLATE`, kubectl's template subset: text outside braces is printed as it is;
// `{PATH}` prints what the path reaches (several values separated by a space); `{"text"}` prints
// a quoted literal with JSON escapes (`{"\n"}`, `{"\t"}`); `{range PATH}…{end}` repeats its body
// for each value the path reaches, with `.`/`@` meaning that value inside. As in csharg (client-go's
// JSONPath without AllowMissingKeys), a field that no value has is an error.
import { JsonPathError, evaluateJsonPath, jsonPathText, parseJsonPath } from './json-path';
import type { JsonPath } from './json-path';

type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'path'; path: JsonPath }
  | { kind: 'range'; path: JsonPath; body: TemplateNode[] };

export interface JsonPathTemplate {
  readonly nodes: readonly TemplateNode[];
}

function actionEnd(template: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < template.length; i++) {
    const c = template[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '}') {
      return i;
    }
  }
  throw new JsonPathError(template, `"{" at position ${open} is never closed`);
}

function literal(template: string, action: string): string {
  try {
    const quoted = action[0] === "'" ? `"${action.slice(1, -1).replace(/"/g, '\\"')}"` : action;
    const value: unknown = JSON.parse(quoted);
    if (typeof value === 'string') return value;
  } catch {
    // falls through to the error below
  }
  throw new JsonPathError(template, `bad string literal {${action}}`);
}

export function parseJsonPathTemplate(template: string): JsonPathTemplate {
  const stack: { nodes: TemplateNode[]; open?: JsonPath }[] = [{ nodes: [] }];
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{', pos);
    const top = stack[stack.length - 1]!;
    if (open < 0) {
      top.nodes.push({ kind: 'text', text: template.slice(pos) });
      break;
    }
    if (open > pos) top.nodes.push({ kind: 'text', text: template.slice(pos, open) });
    const close = actionEnd(template, open);
    const action = template.slice(open + 1, close).trim();
    pos = close + 1;
    if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError(template, `{end} at position ${open} without {range}`);
      const done = stack.pop()!;
      stack[stack.length - 1]!.nodes.push({ kind: 'range', path: done.open!, body: done.nodes });
    } else if (action.startsWith('range ')) {
      stack.push({ nodes: [], open: parseJsonPath(action.slice(6).trim()) });
    } else if (action.startsWith('"') || action.startsWith("'")) {
      top.nodes.push({ kind: 'text', text: literal(template, action) });
    } else if (action === '') {
      throw new JsonPathError(template, `empty {} at position ${open}`);
    } else {
      top.nodes.push({ kind: 'path', path: parseJsonPath(action) });
    }
  }
  if (stack.length > 1) throw new JsonPathError(template, '{range} without {end}');
  return { nodes: stack[0]!.nodes };
}

function render(nodes: readonly TemplateNode[], current: unknown, root: unknown, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === 'text') {
      out.push(node.text);
    } else if (node.kind === 'path') {
      out.push(evaluateJsonPath(node.path, current, root, { strict: true }).map(jsonPathText).join(' '));
    } else {
      // client-go: the body runs once for each value the path reaches (`{range [*]}`).
      for (const item of evaluateJsonPath(node.path, current, root, { strict: true })) render(node.body, item, root, out);
    }
  }
}

/**
 * The text of the template over `data`, as client-go's JSONPath prints it: csharg's root is the
 * list of targets (`{[*].name}`, `{range [*]}{.name}{"\n"}{end}`). Any error (a field no value
 * has, an index out of range) throws: nothing is printed then, as in csharg.
 */
export function renderJsonPathTemplate(template: JsonPathTemplate, data: unknown): string {
  const out: string[] = [];
  render(template.nodes, data, data, out);
  return out.join('');
}

/**
 * The values of each top-level node of the template over `data` (client-go's FindResults), for
 * --sort-by: a text node gives its text, a path the values it reaches. No {range} here.
 */
export function templateResults(template: JsonPathTemplate, data: unknown): unknown[][] {
  return template.nodes.map((node) => {
    if (node.kind === 'text') return [node.text];
    if (node.kind === 'path') return evaluateJsonPath(node.path, data, data, { strict: true });
    throw new JsonPathError('{range}', 'a sort key cannot hold {range}');
  });
}
