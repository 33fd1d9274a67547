// The README's code, read from README.md itself: every ```ts snippet is type-checked by the
// TypeScript compiler against the real API (src/index.ts, as the package's own name), with the
// project's compiler options, so that editing the README (or the API) can break this test. Each
// snippet is compiled as written, as an ES module (.mts, so that top-level await is allowed).
// Where that needs no capture source, the API is also run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { capture, newSharkTankOnHost, stopAfter } from '../../src/index';
import type { SharkTank, Target } from '../../src/index';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;

interface Snippet {
  /** 1-based line of README.md where the code starts */
  line: number;
  code: string;
}

/** The ```ts blocks of a Markdown text. */
function tsSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (const m of markdown.matchAll(fence)) {
    snippets.push({ line: markdown.slice(0, m.index).split('\n').length + 1, code: m[1]! });
  }
  return snippets;
}

/** The project's compiler options, with the package's name mapped to its source. */
function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  });
  assert.ok(parsed);
  return { ...parsed.options, noEmit: true, paths: { [PACKAGE]: [path.join(ROOT, 'src/index.ts')] } };
}

/** Type-checks the snippets, each as its own module; the diagnostics, as "README.md:LINE: text". */
function typeCheck(snippets: Snippet[]): string[] {
  const files = new Map(snippets.map((s, i) => [path.join(ROOT, `readme-snippet-${i}.mts`), s]));
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name)?.code ?? readFile(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const snippet = files.get(name);
    return snippet ? ts.createSourceFile(name, snippet.code, languageVersion, true) : getSourceFile(name, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  return [...files].flatMap(([name, snippet]) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(name)).map((d) => {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
      return `README.md:${snippet.line + at}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    }),
  );
}

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const snippets = tsSnippets(readme);

test('README snippets compile against the API: every ```ts block of README.md, type-checked as written', { timeout: 300_000 }, () => {
  assert.ok(snippets.length >= 2, `only ${snippets.length} ts snippets in README.md`);
  for (const s of snippets) assert.match(s.code, new RegExp(`from '${PACKAGE}'`), `the snippet at README.md:${s.line} imports the package`);
  assert.deepEqual(typeCheck(snippets), []);
});

test('the README check is not vacuous: a snippet that calls a name the API lacks, or passes a wrong type, fails it', { timeout: 300_000 }, () => {
  const first = snippets[0]!;
  const misnamed = { ...first, code: first.code.replace(/\bstopAfter\(/, 'stopAfterr(') };
  const mistyped = { ...first, code: `${first.code}\nnewSharkTankOnHost(5001);\n` };
  assert.notEqual(misnamed.code, first.code, 'the first snippet calls stopAfter');
  const diagnostics = typeCheck([misnamed, mistyped]);
  assert.ok(diagnostics.some((d) => d.includes("'stopAfterr'")), diagnostics.join('\n'));
  assert.ok(diagnostics.some((d) => /number.*not assignable/.test(d)), diagnostics.join('\n'));
});

test('README snippets compile against the API and construct without I/O', () => {
  // Constructing clients and Observables does no I/O (cold); nothing here subscribes.
  const tank: SharkTank = newSharkTankOnHost('edge-device:5001');
  const target: Target = { name: 'web', type: 'docker' };
  const chunks = capture(tank, target).pipe(stopAfter(10));
  assert.equal(typeof chunks.subscribe, 'function');
});
