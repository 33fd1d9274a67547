// Unit tests of the Go-compatible pieces of `csharg list` (src/cli/go-format.ts). The YAML
// vectors are what csharg-go v1.0.2 printed (`list -o yaml --sort-by ''`) for targets of these
// names served to it by a local HTTP server: the text after `- name: `.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonEscape, goYamlList, naturalLess, tabwriter } from '../../../src/cli/go-format';

const YAML_NAMES: [string, string][] = [
  ["yes", "\"yes\""],
  ["123", "\"123\""],
  ["1:20", "\"1:20\""],
  ["null", "\"null\""],
  ["~", "\"~\""],
  ["0x1F", "\"0x1F\""],
  ["1e3", "\"1e3\""],
  ["2001-01-01", "\"2001-01-01\""],
  ["-", "'-'"],
  ["- a", "'- a'"],
  ["a: b", "'a: b'"],
  ["a:b", "a:b"],
  ["#a", "'#a'"],
  ["a #b", "'a #b'"],
  ["a#b", "a#b"],
  ["'q'", "'''q'''"],
  ["\"q\"", "'\"q\"'"],
  ["tab\tx", "\"tab\\tx\""],
  [" lead", "' lead'"],
  ["trail ", "'trail '"],
  ["", "\"\""],
  ["émoji😀", "\"émoji\\U0001F600\""],
  ["back\\s", "back\\s"],
  ["?x", "?x"],
  ["? x", "'? x'"],
  [":x", ":x"],
  ["@x", "'@x'"],
  ["%x", "'%x'"],
  ["`x", "'`x'"],
  ["!x", "'!x'"],
  ["&x", "'&x'"],
  ["*x", "'*x'"],
  ["|x", "'|x'"],
  [">x", "'>x'"],
  ["[x]", "'[x]'"],
  ["{x}", "'{x}'"],
  [",x", "',x'"],
  ["x,y", "x,y"],
  ["---x", "'---x'"],
  ["...x", "'...x'"],
  ["+1", "\"+1\""],
  ["-1", "\"-1\""],
  [".5", "\".5\""],
  ["1_000", "\"1_000\""],
  ["0b101", "\"0b101\""],
  ["0o17", "\"0o17\""],
  ["017", "\"017\""],
  [".inf", "\".inf\""],
  ["NaN", "NaN"],
  ["Yes", "\"Yes\""],
  ["ON", "\"ON\""],
  ["y", "\"y\""],
  ["n", "\"n\""],
  ["a b", "a b"],
  ["ctl\u0007", "\"ctl\\a\""],
  ["1.", "\"1.\""],
  ["-.5", "\"-.5\""],
  ["0x", "0x"],
  ["12:30:45", "\"12:30:45\""],
  ["1e", "1e"],
  ["true", "\"true\""],
];

test('yaml: every name quoted (or not) as csharg-go\'s go-yaml v2 does', () => {
  for (const [name, printed] of YAML_NAMES) {
    assert.equal(goYamlList([{ name }]), `- name: ${printed}\n`, JSON.stringify(name));
  }
  assert.equal(goYamlList([{ name: 'two\nlines', a: [] }]), '- a: []\n  name: |-\n    two\n    lines\n');
  assert.equal(goYamlList([]), '[]\n');
});

test('natural order as fvbommel/sortorder: digit runs numerically, digits first, bytes otherwise', () => {
  const sorted = ['web-10', 'web-9', 'web-09', 'Web', 'web', 'a2b', 'a10b', '#x', '~', 'ü', 'z'].sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0));
  assert.deepEqual(sorted, ['#x', 'Web', 'a2b', 'a10b', 'web', 'web-9', 'web-09', 'web-10', 'z', '~', 'ü']);
  assert.equal(naturalLess('1', 'a'), true);
  assert.equal(naturalLess('abc', 'abc'), false);
});

test('tabwriter as csharg sets it up: padding 3, minwidth 5, last cell unpadded, column blocks', () => {
  assert.equal(tabwriter([['A', 'B', 'C'], ['xx', '', 'z']]), 'A    B    C\nxx        z\n');
  assert.equal(tabwriter([['POD'], ['kube-system/x']]), 'POD\nkube-system/x\n');
  assert.equal(tabwriter([]), '');
  // A tab in a value makes a longer line: the extra column is a block of its own.
  assert.equal(tabwriter([['N', 'T'], ['a\tb', 'c'], ['d', 'e']]), 'N    T\na    b    c\nd    e\n');
});

test('json: Go escapes <, >, & and U+2028/2029', () => {
  assert.equal(goJsonEscape(JSON.stringify('<a&b>\u2028')), '"\\u003ca\\u0026b\\u003e\\u2028"');
});
