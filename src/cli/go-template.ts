// `-o go-template=…` and `-o go-template-file=…` as csharg has them: Go's html/template over the
// list of targets (Go field names: `{{range .}}{{.Name}} {{.NetNS}}{{"\n"}}{{end}}`), every value
// printed HTML-escaped as html/template does in text (`<` as `&lt;`, `'` as `&#39;`). A subset:
// text, `{{pipeline}}`, `{{range}}` (with `$i, $e :=`), `{{if}}`, `{{with}}`, `{{else}}`,
// `{{end}}`, trim markers `{{-`/`-}}`, comments, string/number/bool literals, `.`, `$`, field
// chains, `|`, and the functions len, index, print, println, printf (%s %d %v %q), not, and, or,
// eq, ne. Errors (an unknown field, a nil pointer) stop with an error; csharg prints what it had
// written so far and exits 0.
import { GoStruct, NIL_SLICE, goV } from './go-format';
import type { GoValue } from './go-format';

export class GoTemplateError extends Error {
  constructor(detail: string) {
    super(`go-template: ${detail}`);
    this.name = 'GoTemplateError';
  }
}

type Operand =
  | { kind: 'dot' }
  | { kind: 'field'; base: 'dot' | 'var'; name: string; fields: string[] }
  | { kind: 'literal'; value: GoValue }
  | { kind: 'call'; fn: string; args: Operand[] };

type Pipeline = { decl: string[]; commands: Operand[][] };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'range' | 'if' | 'with'; pipe: Pipeline; body: Node[]; alt: Node[] };

export interface GoTemplate {
  readonly nodes: readonly Node[];
}

const FUNCS = new Set(['len', 'index', 'print', 'println', 'printf', 'not', 'and', 'or', 'eq', 'ne']);

function tokenize(action: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < action.length && action[j] !== '"') j += action[j] === '\\' ? 2 : 1;
      if (j >= action.length) throw new GoTemplateError(`unterminated quoted string in {{${action}}}`);
      tokens.push(action.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`') {
      const j = action.indexOf('`', i + 1);
      if (j < 0) throw new GoTemplateError(`unterminated raw string in {{${action}}}`);
      tokens.push(action.slice(i, j + 1));
      i = j + 1;
    } else if (c === '|' || c === ',') {
      tokens.push(c);
      i++;
    } else if (action.startsWith(':=', i)) {
      tokens.push(':=');
      i += 2;
    } else {
      let j = i;
      while (j < action.length && !/[\s|,]/.test(action[j]!) && !action.startsWith(':=', j)) j++;
      tokens.push(action.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function operand(tok: string): Operand {
  if (tok === '.') return { kind: 'dot' };
  if (tok.startsWith('"')) return { kind: 'literal', value: JSON.parse(tok) as string };
  if (tok.startsWith('`')) return { kind: 'literal', value: tok.slice(1, -1) };
  if (tok === 'true' || tok === 'false') return { kind: 'literal', value: tok === 'true' };
  if (tok === 'nil') return { kind: 'literal', value: null };
  if (/^-?\d+$/.test(tok)) return { kind: 'literal', value: Number(tok) };
  if (tok.startsWith('.')) return { kind: 'field', base: 'dot', name: '', fields: tok.slice(1).split('.') };
  if (tok.startsWith('$')) {
    const [name, ...fields] = tok.split('.');
    return { kind: 'field', base: 'var', name: name!, fields };
  }
  throw new GoTemplateError(`function "${tok}" not defined`);
}

function parsePipeline(text: string): Pipeline {
  const tokens = tokenize(text);
  const decl: string[] = [];
  const assign = tokens.indexOf(':=');
  if (assign >= 0) {
    decl.push(...tokens.slice(0, assign).filter((t) => t !== ','));
    tokens.splice(0, assign + 1);
  }
  const commands: Operand[][] = [[]];
  for (const tok of tokens) {
    if (tok === '|') commands.push([]);
    else commands[commands.length - 1]!.push(FUNCS.has(tok) ? { kind: 'call', fn: tok, args: [] } : operand(tok));
  }
  if (commands.some((c) => c.length === 0)) throw new GoTemplateError(`missing value in {{${text}}}`);
  return { decl, commands };
}

export function parseGoTemplate(template: string): GoTemplate {
  const stack: { nodes: Node[]; block?: Node & { kind: 'range' | 'if' | 'with' }; inElse?: boolean }[] = [{ nodes: [] }];
  let pos = 0;
  let trimNext = false;
  const top = (): { nodes: Node[]; block?: Node & { kind: 'range' | 'if' | 'with' }; inElse?: boolean } => stack[stack.length - 1]!;
  const add = (node: Node): void => {
    const t = top();
    if (t.block) (t.inElse ? t.block.alt : t.block.body).push(node);
    else t.nodes.push(node);
  };
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    let text = template.slice(pos, open < 0 ? template.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text) add({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (template.startsWith('- ', start) || (template[start] === '-' && /\s/.test(template[start + 1] ?? ''))) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) add({ kind: 'text', text });
    const close = template.indexOf('}}', start);
    if (close < 0) throw new GoTemplateError('unclosed action');
    let inner = template.slice(start, close);
    trimNext = false;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      trimNext = true;
    }
    pos = close + 2;
    const action = inner.trim();
    if (action.startsWith('/*')) continue;
    const word = /^(\w+)\b/.exec(action)?.[1];
    if (word === 'range' || word === 'if' || word === 'with') {
      const block = { kind: word, pipe: parsePipeline(action.slice(word.length)), body: [], alt: [] } as Node & { kind: 'range' | 'if' | 'with' };
      add(block);
      stack.push({ nodes: [], block });
    } else if (word === 'else') {
      if (!top().block || top().inElse) throw new GoTemplateError('unexpected {{else}}');
      top().inElse = true;
    } else if (word === 'end') {
      if (!top().block) throw new GoTemplateError('unexpected {{end}}');
      stack.pop();
    } else if (action === '') {
      throw new GoTemplateError('missing value for command');
    } else {
      add({ kind: 'action', pipe: parsePipeline(action) });
    }
  }
  if (stack.length > 1) throw new GoTemplateError('unexpected EOF');
  return { nodes: stack[0]!.nodes };
}

function truth(v: unknown): boolean {
  if (v === null || v === undefined || v === NIL_SLICE || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** fmt's %v of a value as text/template prints it: a pointer to a struct prints the struct. */
function printText(v: unknown): string {
  if (v instanceof GoStruct) return v.formatV();
  return goV(v as GoValue);
}

/** html/template's escaping of a value printed in HTML text. */
function htmlEscape(s: string): string {
  return s.replace(/[&'<>"+\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '+': '&#43;', '\0': '\uFFFD' })[c]!);
}

function printf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%([%sdvq])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return JSON.stringify(printText(a));
    return printText(a);
  });
}

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}

function field(v: unknown, name: string): unknown {
  if (v === null) throw new GoTemplateError(`nil pointer evaluating .${name}`);
  if (v instanceof GoStruct && v.hasGoField(name)) return v.get(name);
  throw new GoTemplateError(`can't evaluate field ${name}`);
}

function evalOperand(op: Operand, scope: Scope, piped: unknown[]): unknown {
  switch (op.kind) {
    case 'dot':
      return scope.dot;
    case 'literal':
      return op.value;
    case 'field': {
      let v: unknown;
      if (op.base === 'dot') v = scope.dot;
      else {
        if (!scope.vars.has(op.name)) throw new GoTemplateError(`undefined variable "${op.name}"`);
        v = scope.vars.get(op.name);
      }
      for (const f of op.fields) if (f !== '') v = field(v, f);
      return v;
    }
    case 'call':
      return callFn(op.fn, piped);
  }
}

function callFn(fn: string, args: unknown[]): unknown {
  const list = (v: unknown): unknown[] => (v === NIL_SLICE ? [] : Array.isArray(v) ? (v as unknown[]) : typeof v === 'string' ? [...Buffer.from(v)] : []);
  switch (fn) {
    case 'len':
      if (typeof args[0] === 'string') return Buffer.byteLength(args[0]);
      if (args[0] === NIL_SLICE || Array.isArray(args[0])) return list(args[0]).length;
      throw new GoTemplateError('len of an item that has no length');
    case 'index': {
      let v = args[0];
      for (const i of args.slice(1)) {
        const l = list(v);
        if (typeof i !== 'number' || i < 0 || i >= l.length) throw new GoTemplateError(`index out of range: ${String(i)}`);
        v = l[i];
      }
      return v;
    }
    case 'print':
      return args.map((a, i) => (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + printText(a)).join('');
    case 'println':
      return `${args.map(printText).join(' ')}\n`;
    case 'printf':
      return printf(String(args[0]), args.slice(1));
    case 'not':
      return !truth(args[0]);
    case 'and':
      return args.find((a) => !truth(a)) ?? args[args.length - 1];
    case 'or':
      return args.find((a) => truth(a)) ?? args[args.length - 1];
    case 'eq':
      return args.slice(1).some((a) => a === args[0]);
    case 'ne':
      return args[0] !== args[1];
    default:
      throw new GoTemplateError(`function "${fn}" not defined`);
  }
}

function evalPipeline(pipe: Pipeline, scope: Scope): unknown {
  let result: unknown = undefined;
  pipe.commands.forEach((cmd, i) => {
    const [head, ...rest] = cmd;
    const args = rest.map((a) => evalOperand(a, scope, []));
    if (i > 0) args.push(result);
    if (head!.kind === 'call') result = callFn(head!.fn, args);
    else if (args.length > 0) throw new GoTemplateError("can't give argument to non-function");
    else result = evalOperand(head!, scope, []);
  });
  return result;
}

function run(nodes: readonly Node[], scope: Scope, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === 'text') {
      out.push(node.text);
    } else if (node.kind === 'action') {
      const v = evalPipeline(node.pipe, scope);
      if (node.pipe.decl.length > 0) scope.vars.set(node.pipe.decl[0]!, v);
      else out.push(htmlEscape(printText(v)));
    } else if (node.kind === 'range') {
      const v = evalPipeline(node.pipe, scope);
      if (v !== null && v !== NIL_SLICE && !Array.isArray(v)) throw new GoTemplateError(`range can't iterate over ${printText(v)}`);
      const items = v === null || v === NIL_SLICE ? [] : (v as unknown[]);
      if (items.length === 0) run(node.alt, scope, out);
      items.forEach((item, i) => {
        const vars = new Map(scope.vars);
        if (node.pipe.decl.length === 1) vars.set(node.pipe.decl[0]!, item);
        if (node.pipe.decl.length === 2) {
          vars.set(node.pipe.decl[0]!, i);
          vars.set(node.pipe.decl[1]!, item);
        }
        run(node.body, { dot: item, vars }, out);
      });
    } else {
      const v = evalPipeline(node.pipe, scope);
      if (truth(v)) run(node.body, node.kind === 'with' ? { dot: v, vars: scope.vars } : scope, out);
      else run(node.alt, scope, out);
    }
  }
}

export function renderGoTemplate(template: GoTemplate, data: unknown): string {
  const out: string[] = [];
  run(template.nodes, { dot: data, vars: new Map([['$', data]]) }, out);
  return out.join('');
}
