// Unit tests of the kubectl-style output of `csharg list`: JSON paths, jsonpath templates,
// custom columns and --sort-by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonPathError, evaluateJsonPath, parseJsonPath, parseRelaxedJsonPath } from '../../../src/cli/json-path';
import { parseJsonPathTemplate, renderJsonPathTemplate } from '../../../src/cli/jsonpath-template';
import { formatTargets, parseListFormat, parseSortKey, sortTargets } from '../../../src/cli/list-format';
import type { Target } from '../../../src/core/target';

const targets: Target[] = [
  { name: 'web', type: 'docker', netns: 4026532300, networkInterfaces: ['eth0', 'lo'], pid: 42, nodeName: 'edge' },
  { name: 'default/db', type: 'pod', netns: 4026532100, networkInterfaces: ['eth0'], nodeName: 'edge' },
  { name: 'sleeper(7)', type: 'proc', netns: 4026532200, nodeName: 'edge' },
];

test('JSON paths: fields (with hyphens), quoted fields, indexes (negative too), wildcards, root', () => {
  const doc = { items: [{ 'network-interfaces': ['a', 'b'], n: 1 }, { 'network-interfaces': null, n: 2 }] };
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.items[*].n'), doc), [1, 2]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath(".items[0]['network-interfaces'][-1]"), doc), ['b']);
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.items[0].network-interfaces[*]'), doc), ['a', 'b']);
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.items[5].n'), doc), []);
  assert.deepEqual(evaluateJsonPath(parseJsonPath('$.items[1].n'), 'current', doc), [2]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.items[0].*'), doc), [['a', 'b'], 1]);
  assert.deepEqual(evaluateJsonPath(parseRelaxedJsonPath('{.n}'), { n: 3 }), [3]);
  assert.deepEqual(evaluateJsonPath(parseRelaxedJsonPath('n'), { n: 3 }), [3]);
});

test('JSON paths: malformed ones are JsonPathErrors saying where', () => {
  assert.throws(() => parseJsonPath('items'), JsonPathError);
  assert.throws(() => parseJsonPath('.items['), /never closed/);
  assert.throws(() => parseJsonPath('.items[?(@.n)]'), /unsupported \[\?\(@\.n\)\]/);
  assert.throws(() => parseJsonPath('.a..b'), /field name is missing at position 3/);
  assert.throws(() => parseJsonPathTemplate('{range .items[*]}{.name}'), /\{range\} without \{end\}/);
  assert.throws(() => parseJsonPathTemplate('{end}'), /without \{range\}/);
  assert.throws(() => parseJsonPathTemplate('{.name'), /never closed/);
});

test('jsonpath templates: literals, range over items, several values joined by a space, missing keys print nothing', () => {
  const data = { items: [{ name: 'a', nifs: ['x', 'y'] }, { name: 'b' }] };
  const render = (t: string): string => renderJsonPathTemplate(parseJsonPathTemplate(t), data);
  assert.equal(render('{range .items[*]}{.name}:{.nifs[*]}{"\\n"}{end}'), 'a:x y\nb:\n');
  assert.equal(render('{.items[*].name}'), 'a b');
  assert.equal(render("names={.items[0].name}{'\\t'}"), 'names=a\t');
  assert.equal(render('{range .items}<{@.name}>{end}'), '<a><b>');
  assert.equal(render('{.items[0]}'), '{"name":"a","nifs":["x","y"]}');
});

test('list -o jsonpath works on csharg\'s JSON objects under .items', () => {
  const format = parseListFormat('jsonpath={range .items[*]}{.name} {.netns} {.network-interfaces[*]}{"\\n"}{end}');
  assert.equal(formatTargets(targets, format, { headers: true }), 'web 4026532300 eth0 lo\ndefault/db 4026532100 eth0\nsleeper(7) 4026532200 \n');
});

test('list -o custom-columns: headers, <none> for missing, comma-joined lists, --no-headers', () => {
  const format = parseListFormat('custom-columns=NAME:.name,PID:.pid,NIFS:.network-interfaces[*]');
  assert.equal(formatTargets(targets, format, { headers: true }), [
    'NAME         PID      NIFS',
    'web          42       eth0,lo',
    'default/db   <none>   eth0',
    'sleeper(7)   <none>   <none>',
  ].join('\n'));
  assert.equal(formatTargets(targets, format, { headers: false }).split('\n')[0], 'web          42       eth0,lo');
  assert.throws(() => parseListFormat('custom-columns=NAME'), /not HEADER:PATH/);
  assert.throws(() => parseListFormat('xml'), /unsupported output format "xml"/);
});

test('--sort-by: keywords, and JSON paths with numbers numeric and missing values last', () => {
  const names = (ts: Target[]): string[] => ts.map((t) => t.name);
  assert.deepEqual(names(sortTargets(targets, parseSortKey('name'))), ['default/db', 'sleeper(7)', 'web']);
  assert.deepEqual(names(sortTargets(targets, parseSortKey('type'))), ['web', 'default/db', 'sleeper(7)']);
  assert.deepEqual(names(sortTargets(targets, parseSortKey('.netns'))), ['default/db', 'sleeper(7)', 'web']);
  assert.deepEqual(names(sortTargets(targets, parseSortKey('{.pid}'))), ['web', 'default/db', 'sleeper(7)']);
  assert.deepEqual(names(sortTargets(targets, parseSortKey('.network-interfaces[0]'))), ['default/db', 'web', 'sleeper(7)']);
});
