// The layering of src/ as docs/architecture.md states it, read from the source files' imports
// (TypeScript's own pre-processor: static imports, re-exports, dynamic imports, import types):
// faces → rx → core/<part> → the core's model, no RxJS in core, parts importing each other only as
// the document's table allows, and the tree the document draws is the tree there is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const SRC = path.join(ROOT, 'src');
const CORE = path.join(SRC, 'core');
const ARCHITECTURE = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [path.join(dir, entry.name), ...folders(path.join(dir, entry.name))]);
}

interface Import {
  /** as written */
  specifier: string;
  /** the file it names, for a relative specifier */
  file?: string;
}

/** A relative specifier resolved as TypeScript resolves it here: FILE.ts (also written FILE.js), or DIR/index.ts. */
function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const written = /\.[cm]?js$/.test(base) ? [base.replace(/js$/, 'ts')] : [];
  for (const candidate of [...written, `${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  assert.fail(`${path.relative(ROOT, from)} imports ${specifier}, which names no file`);
}

const importsCache = new Map<string, Import[]>();
function importsOf(file: string): Import[] {
  let found = importsCache.get(file);
  if (!found) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    found = info.importedFiles.map(({ fileName }) =>
      fileName.startsWith('.') ? { specifier: fileName, file: resolveRelative(file, fileName) } : { specifier: fileName },
    );
    importsCache.set(file, found);
  }
  return found;
}

/** 'model' for a file at src/core/'s root, else the part (its folder under src/core/). */
function partOf(file: string): string {
  const relative = path.relative(CORE, file).split(path.sep);
  return relative.length === 1 ? 'model' : relative[0]!;
}

/**
 * The tables of docs/architecture.md: "part | may import (besides the model)" (rows named `part`)
 * and "root file | may import" (rows named `file.ts`).
 */
function allowedImports(): { parts: Map<string, Set<string>>; rootFiles: Map<string, Set<string>> } {
  const parts = new Map<string, Set<string>>();
  const rootFiles = new Map<string, Set<string>>();
  for (const line of ARCHITECTURE.split('\n')) {
    const row = /^\|\s*`([a-z-]+(?:\.ts)?)`\s*\|(.*)\|\s*$/.exec(line);
    if (!row) continue;
    const names = [...row[2]!.matchAll(/`([a-z]+)`/g)].map((m) => m[1]!);
    if (row[1]!.endsWith('.ts')) rootFiles.set(row[1]!, new Set(names));
    else parts.set(row[1]!, new Set(['model', ...names]));
  }
  return { parts, rootFiles };
}

const coreFiles = sourceFiles(CORE);
const where = (file: string): string => path.relative(ROOT, file);

test('no file in src/core imports RxJS, src/rx, src/nodes or src/cli', () => {
  const outside = ['rx', 'nodes', 'cli'].map((face) => path.join(SRC, face) + path.sep);
  const wrong: string[] = [];
  for (const file of coreFiles) {
    for (const imp of importsOf(file)) {
      if (imp.specifier === 'rxjs' || imp.specifier.startsWith('rxjs/')) wrong.push(`${where(file)} imports ${imp.specifier}`);
      if (imp.file && outside.some((dir) => imp.file!.startsWith(dir))) wrong.push(`${where(file)} imports ${where(imp.file)}`);
    }
  }
  assert.ok(coreFiles.length > 100, `only ${coreFiles.length} core files found`);
  assert.deepEqual(wrong, []);
});

test('src/rx imports no face, and the faces (cli, nodes) do not import each other', () => {
  const rules: Array<[string, string[]]> = [
    ['rx', ['nodes', 'cli']],
    ['cli', ['nodes']],
    ['nodes', ['cli']],
  ];
  const wrong: string[] = [];
  let checked = 0;
  for (const [from, forbidden] of rules) {
    for (const file of sourceFiles(path.join(SRC, from))) {
      checked++;
      for (const imp of importsOf(file)) {
        if (imp.file && forbidden.some((f) => imp.file!.startsWith(path.join(SRC, f) + path.sep))) wrong.push(`${where(file)} imports ${where(imp.file)}`);
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} files checked`);
  assert.deepEqual(wrong, []);
});

test("core parts import the model and each other only as docs/architecture.md's table says", () => {
  const { parts: allowed, rootFiles } = allowedImports();
  const parts = readdirSync(CORE, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual([...allowed.keys()].sort(), parts, "the table names every folder under src/core/, and only those");
  for (const file of rootFiles.keys()) assert.ok(existsSync(path.join(CORE, file)), `the root file ${file} of the table exists`);
  const wrong: string[] = [];
  for (const file of coreFiles) {
    const from = partOf(file);
    for (const imp of importsOf(file)) {
      if (!imp.file?.startsWith(CORE + path.sep)) continue;
      const to = partOf(imp.file);
      if (to === from) continue;
      const ok = from === 'model' ? (rootFiles.get(path.basename(file))?.has(to) ?? false) : allowed.get(from)!.has(to);
      if (!ok) wrong.push(`${where(file)} (${from}) imports ${where(imp.file)} (${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import cycle between files of src/core', () => {
  // Depth-first search over the relative imports; a back edge is a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]): void => {
    state.set(file, 'open');
    for (const imp of importsOf(file)) {
      if (!imp.file?.startsWith(CORE + path.sep)) continue;
      const seen = state.get(imp.file);
      if (seen === 'open') cycles.push([...trail.slice(trail.indexOf(imp.file)), imp.file].map(where).join(' → '));
      else if (seen === undefined) visit(imp.file, [...trail, imp.file]);
    }
    state.set(file, 'done');
  };
  for (const file of coreFiles) if (!state.has(file)) visit(file, [file]);
  assert.deepEqual(cycles, []);
});

test("src/nodes/ holds exactly the nine node files of package.json's node-red section at its top level", () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  const declared = Object.values(pkg['node-red'].nodes)
    .map((built) => {
      const m = /^dist\/nodes\/([^/]+)\.js$/.exec(built);
      assert.ok(m, `a node outside dist/nodes/: ${built}`);
      return `${m[1]}.ts`;
    })
    .sort();
  const present = readdirSync(path.join(SRC, 'nodes'), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  assert.equal(declared.length, 9);
  assert.deepEqual(present, declared);
});

test('docs/architecture.md draws every folder under src/, and no folder that is not there', () => {
  const tree = /## The tree\n+```\n([\s\S]*?)```/.exec(ARCHITECTURE);
  assert.ok(tree, 'docs/architecture.md has a tree');
  const drawn = [...tree[1]!.matchAll(/^src\/(\S*)\/\s/gm)].map((m) => m[1]!).sort();
  const actual = folders(SRC).map((dir) => path.relative(SRC, dir).split(path.sep).join('/')).sort();
  assert.deepEqual(drawn, actual);
});

test("every folder under src/core/ has an index.ts whose header says what the part is and what it may import", () => {
  const missing: string[] = [];
  for (const dir of [CORE, ...folders(CORE)]) {
    const index = path.join(dir, 'index.ts');
    if (!existsSync(index)) {
      missing.push(`${where(dir)}: no index.ts`);
      continue;
    }
    const header = /^(\/\/.*\n)+/.exec(readFileSync(index, 'utf8'))?.[0] ?? '';
    if (header.split('\n').length < 3) missing.push(`${where(index)}: no header comment`);
    else if (!/may import/i.test(header)) missing.push(`${where(index)}: the header does not say what the part may import`);
  }
  assert.deepEqual(missing, []);
});

test("no file in src reaches into ws's private fields (_socket, _req, _sender, _receiver): the capture socket takes the raw socket from ws's documented 'upgrade' event", () => {
  const wrong: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b_(socket|req|sender|receiver)\b/g)) wrong.push(`${where(file)}: ${m[0]}`);
  }
  assert.deepEqual(wrong, []);
  assert.match(readFileSync(path.join(CORE, 'host/capture-socket.ts'), 'utf8'), /on\('upgrade'/);
});
