// Unit tests of `csharg list`'s output, which follows Siemens' csharg (Go) byte for byte: JSON
// paths over the Go view of a target, jsonpath templates from csharg's root (the list), custom
// columns as Go prints values, --sort-by, tabwriter tables, JSON and YAML. The expected texts
// marked "csharg-go" are what csharg-go v1.0.2 printed for DISCOVERY below (served to it by a
// local HTTP server, --host http://127.0.0.1:PORT); test/integration/diff-list-csharg-go.test.ts
// compares the two programs live on the real services.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonPathError, evaluateJsonPath, parseJsonPath, parseRelaxedJsonPath } from '../../../src/cli/json-path';
import { parseJsonPathTemplate, renderJsonPathTemplate } from '../../../src/cli/jsonpath-template';
import { DEFAULT_SORT_BY, formatTargets, parseListFormat, parseSortKey, sortTargets } from '../../../src/cli/list-format';
import type { ListFormat } from '../../../src/cli/list-format';
import { goTarget } from '../../../src/cli/go-format';
import { parseDiscovery } from '../../../src/core/target';
import type { Target } from '../../../src/core/target';

const DISCOVERY = {
  containers: [
    { name: 'web-10', type: 'docker', netns: 4026532310, 'network-interfaces': ['eth0', 'lo'], prefix: '', pid: 4210, starttime: 99 },
    { name: 'web-9', type: 'docker', netns: 4026532309, 'network-interfaces': ['lo'], prefix: 'kind-1', pid: 4209, starttime: 98 },
    {
      name: 'kube-system/coredns', type: 'pod', netns: 4026532200, 'network-interfaces': ['eth0'], prefix: '', pid: 0, starttime: 0,
      cluster: { context: 'kind', uid: 'abc' }, 'capture-service': 'clustershark-x', captureport: 5001,
    },
    { name: '/run/netns/x: y', type: 'bindmount', netns: 4026532100, 'network-interfaces': [], prefix: '', pid: 0, starttime: 0 },
    { name: 'yes', type: 'proc', netns: 4026532101, prefix: '', pid: 7, starttime: 1 },
    { name: '#1 <&>', type: 'proc', netns: 4026532102, 'network-interfaces': ['lo'], prefix: '', pid: 8, starttime: 2 },
    { name: 'tab\there', type: 'containerd', netns: 4026532103, 'network-interfaces': ['lo'], prefix: '', pid: 9, starttime: 3 },
    { name: 'two\nlines', type: 'proc', netns: 4026532104, 'network-interfaces': ['lo'], prefix: '', pid: 10, starttime: 4 },
    { name: 'ünï 😀', type: 'proc', netns: 4026532105, 'network-interfaces': ['lo'], prefix: '', pid: 11, starttime: 5 },
    { name: '123', type: 'proc', netns: 4026532106, 'network-interfaces': ['lo'], prefix: '', pid: 12, starttime: 6 },
  ],
};
const targets: Target[] = parseDiscovery(DISCOVERY).map((t) => ({ ...t, nodeName: '127.0.0.1' }));

/** `csharg list ARGS` on DISCOVERY, as the command does it (minus discovery and printing). */
function list(output: string | undefined, opts: { sortBy?: string; headers?: boolean; podsOnly?: boolean; files?: Record<string, string> } = {}): string {
  const format: ListFormat = parseListFormat(output, {
    podsOnly: opts.podsOnly === true,
    readFile: (f) => {
      const text = opts.files?.[f];
      if (text === undefined) throw new Error(`open ${f}: no such file or directory`);
      return text;
    },
  });
  const shown = opts.podsOnly ? targets.filter((t) => t.type === 'pod') : targets;
  return formatTargets(sortTargets(shown, parseSortKey(opts.sortBy ?? DEFAULT_SORT_BY)), format, { headers: opts.headers ?? true });
}

test('csharg-go: the default table, sorted by name then node in natural order; a tab or line break in a name splits cells as in Go\'s tabwriter', () => {
  assert.equal(
    list(undefined),
    'TARGET                TYPE        NODE\n123                   proc        127.0.0.1\n#1 <&>                proc        127.0.0.1\n/run/netns/x: y       bindmount   127.0.0.1\nkube-system/coredns   pod         127.0.0.1\ntab                   here        containerd   127.0.0.1\ntwo\nlines    proc     127.0.0.1\nweb-9    docker   127.0.0.1\nweb-10   docker   127.0.0.1\nyes      proc     127.0.0.1\nünï 😀    proc     127.0.0.1\n',
  );
  assert.equal(
    list('wide'),
    'TARGET                TYPE        NODE         SERVICE\n123                   proc        127.0.0.1    \n#1 <&>                proc        127.0.0.1    \n/run/netns/x: y       bindmount   127.0.0.1    \nkube-system/coredns   pod         127.0.0.1    clustershark-x\ntab                   here        containerd   127.0.0.1   \ntwo\nlines    proc     127.0.0.1   \nweb-9    docker   127.0.0.1   \nweb-10   docker   127.0.0.1   \nyes      proc     127.0.0.1   \nünï 😀    proc     127.0.0.1   \n',
  );
  assert.equal(list('name'), '123\n#1 <&>\n/run/netns/x: y\nkube-system/coredns\ntab  here\ntwo\nlines\nweb-9\nweb-10\nyes\nünï 😀\n');
});

test('csharg-go: pods alone get the POD columns (POD NODE when wide); --no-headers; nothing to list', () => {
  assert.equal(list('wide', { podsOnly: true }), 'POD                   NODE\nkube-system/coredns   127.0.0.1\n');
  assert.equal(list(undefined, { podsOnly: true }), 'POD\nkube-system/coredns\n');
  assert.equal(list(undefined, { podsOnly: true, headers: false }), 'kube-system/coredns\n');
  const none = (output: string | undefined, headers = true): string => formatTargets([], parseListFormat(output), { headers });
  assert.equal(none(undefined), 'TARGET   TYPE   NODE\n');
  assert.equal(none(undefined, false), '');
  assert.equal(none('json'), '[]\n');
  assert.equal(none('yaml'), '[]\n');
  assert.equal(none('name'), '');
  assert.equal(none('jsonpath={[*].name}'), '');
});

test('csharg-go: custom columns print Go\'s %v: lists as [a b], [*] joined by ", ", <nil> for no cluster, zero pid as 0, <none> when nothing', () => {
  assert.equal(
    list('custom-columns=N:.name,NIFS:.network-interfaces,I:.network-interfaces[*],C:.cluster,PID:.Pid', { headers: false }),
    '123                   [lo]     lo       <nil>         12\n#1 <&>                [lo]     lo       <nil>         8\n/run/netns/x: y       []       <none>   <nil>         0\nkube-system/coredns   [eth0]   eth0     &{kind abc}   0\ntab                   here     [lo]     lo            <nil>   9\ntwo\nlines    [lo]        lo         <nil>   10\nweb-9    [lo]        lo         <nil>   4209\nweb-10   [eth0 lo]   eth0, lo   <nil>   4210\nyes      []          <none>     <nil>   7\nünï 😀    [lo]        lo         <nil>   11\n',
  );
  // The file form: a line of headers, a line of paths.
  const files = { '/cc': 'NAME PORT\n{.Name} captureport\n' };
  assert.equal(list('custom-columns-file=/cc', { files, podsOnly: true }), 'NAME                  PORT\nkube-system/coredns   5001\n');
});

test('csharg-go: yaml (keys sorted, go-yaml v2 quoting, literal blocks) and json (csharg\'s key order, Go escaping) without sorting', () => {
  assert.equal(
    list('yaml', { sortBy: '' }),
    '- name: web-10\n  netns: 4026532310\n  network-interfaces:\n  - eth0\n  - lo\n  node-name: 127.0.0.1\n  pid: 4210\n  prefix: ""\n  starttime: 99\n  type: docker\n- name: web-9\n  netns: 4026532309\n  network-interfaces:\n  - lo\n  node-name: 127.0.0.1\n  pid: 4209\n  prefix: kind-1\n  starttime: 98\n  type: docker\n- capture-service: clustershark-x\n  captureport: 5001\n  cluster:\n    context: kind\n    uid: abc\n  name: kube-system/coredns\n  netns: 4026532200\n  network-interfaces:\n  - eth0\n  node-name: 127.0.0.1\n  prefix: ""\n  type: pod\n- name: \'/run/netns/x: y\'\n  netns: 4026532100\n  network-interfaces: []\n  node-name: 127.0.0.1\n  prefix: ""\n  type: bindmount\n- name: "yes"\n  netns: 4026532101\n  network-interfaces: null\n  node-name: 127.0.0.1\n  pid: 7\n  prefix: ""\n  starttime: 1\n  type: proc\n- name: \'#1 <&>\'\n  netns: 4026532102\n  network-interfaces:\n  - lo\n  node-name: 127.0.0.1\n  pid: 8\n  prefix: ""\n  starttime: 2\n  type: proc\n- name: "tab\\there"\n  netns: 4026532103\n  network-interfaces:\n  - lo\n  node-name: 127.0.0.1\n  pid: 9\n  prefix: ""\n  starttime: 3\n  type: containerd\n- name: |-\n    two\n    lines\n  netns: 4026532104\n  network-interfaces:\n  - lo\n  node-name: 127.0.0.1\n  pid: 10\n  prefix: ""\n  starttime: 4\n  type: proc\n- name: "ünï \\U0001F600"\n  netns: 4026532105\n  network-interfaces:\n  - lo\n  node-name: 127.0.0.1\n  pid: 11\n  prefix: ""\n  starttime: 5\n  type: proc\n- name: "123"\n  netns: 4026532106\n  network-interfaces:\n  - lo\n  node-name: 127.0.0.1\n  pid: 12\n  prefix: ""\n  starttime: 6\n  type: proc\n',
  );
  const json = list('json', { sortBy: '' });
  assert.ok(json.startsWith('[\n    {\n        "name": "web-10",\n        "type": "docker",\n        "netns": 4026532310,\n        "network-interfaces": [\n            "eth0",\n            "lo"\n        ],\n        "prefix": "",\n        "starttime": 99,\n        "pid": 4210,\n        "node-name": "127.0.0.1"\n    },\n'));
  assert.ok(json.includes('\n        "name": "#1 \\u003c\\u0026\\u003e",\n'));
  assert.ok(json.includes('\n        "name": "yes",\n        "type": "proc",\n        "netns": 4026532101,\n        "network-interfaces": null,\n'));
  assert.ok(json.includes('"node-name": "127.0.0.1",\n        "cluster": {\n            "context": "kind",\n            "uid": "abc"\n        },\n        "capture-service": "clustershark-x",\n        "captureport": 5001\n    },'));
  assert.ok(json.endsWith('"pid": 12,\n        "node-name": "127.0.0.1"\n    }\n]\n'));
  // Sorted (our fix: csharg prints {} for every target then), the same objects in table order.
  const sorted = JSON.parse(list('json')) as { name: string }[];
  assert.deepEqual(sorted.map((o) => o.name), list('name').replace('tab  here', 'tab\there').replace('two\nlines', 'two\u0000lines').trimEnd().split('\n').map((n) => n.replace('\u0000', '\n')));
});

test('csharg-go: jsonpath from csharg\'s root, the list: {[*].name}, {range [*]}, lists as JSON, <nil>; nothing appended', () => {
  assert.equal(
    list('jsonpath={range [*]}{.name}|{.network-interfaces}|{.cluster}{"\\n"}{end}', { sortBy: '' }).split('\n').slice(0, 5).join('\n'),
    'web-10|["eth0","lo"]|<nil>\nweb-9|["lo"]|<nil>\nkube-system/coredns|["eth0"]|{"context":"kind","uid":"abc"}\n/run/netns/x: y|[]|<nil>\nyes|null|<nil>',
  );
  assert.equal(list('jsonpath={[*].NetNS}', { podsOnly: true }), '4026532200');
  assert.equal(list('jsonpath={[0].name} {[-1].Pid}', { sortBy: '' }), 'web-10 12');
  assert.equal(list('jsonpath=', {}), '');
  // The first line of a jsonpath-file is the template.
  assert.equal(list('jsonpath-file=/jp', { podsOnly: true, files: { '/jp': '{[*].name}\n{ignored}\n' } }), 'kube-system/coredns');
});

test('csharg-go: go-template over the list with Go field names, values HTML-escaped as html/template does', () => {
  assert.equal(
    list('go-template={{range .}}{{.Name}} {{.NetNS}} {{.NetworkInterfaces}} {{.Cluster}} {{.Pid}}{{"\\n"}}{{end}}', { sortBy: '' }).split('\n').slice(0, 6).join('\n'),
    'web-10 4026532310 [eth0 lo] &lt;nil&gt; 4210\nweb-9 4026532309 [lo] &lt;nil&gt; 4209\nkube-system/coredns 4026532200 [eth0] {kind abc} 0\n/run/netns/x: y 4026532100 [] &lt;nil&gt; 0\nyes 4026532101 [] &lt;nil&gt; 7\n#1 &lt;&amp;&gt; 4026532102 [lo] &lt;nil&gt; 8',
  );
  assert.equal(list('go-template={{- range . -}} {{ .Type }} {{- end }}', { podsOnly: true }), 'pod');
  assert.equal(list('go-template={{range $i, $t := .}}{{$i}}:{{if $t.Cluster}}{{$t.Cluster.UID}}{{else}}-{{end}} {{end}}', { sortBy: '' }), '0:- 1:- 2:abc 3:- 4:- 5:- 6:- 7:- 8:- 9:- ');
  assert.equal(list('go-template', {}), '');
  assert.throws(() => list('go-template={{range .}}{{.name}}{{end}}'), /can't evaluate field name/);
});

test('JSON paths: JSON keys and Go field names, indexes (negative too), wildcards, root; strict errors as client-go\'s', () => {
  const web = goTarget(targets[0]!);
  for (const [json, go] of [['name', 'Name'], ['netns', 'NetNS'], ['network-interfaces', 'NetworkInterfaces'], ['pid', 'Pid'], ['starttime', 'StartTime'], ['node-name', 'NodeName']]) {
    assert.deepEqual(evaluateJsonPath(parseJsonPath(`.${go!}`), web), evaluateJsonPath(parseJsonPath(`.${json!}`), web));
  }
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.network-interfaces[-1]'), web), ['lo']);
  assert.deepEqual(evaluateJsonPath(parseJsonPath(".network-interfaces[*]"), web), ['eth0', 'lo']);
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.capture-service'), web), ['']);
  const doc = { items: [{ n: 1 }, { n: 2 }] };
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.items[*].n'), doc), [1, 2]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath('$.items[1].n'), 'current', doc), [2]);
  assert.deepEqual(evaluateJsonPath(parseJsonPath('.items[5].n'), doc), []);
  assert.deepEqual(evaluateJsonPath(parseRelaxedJsonPath('{.n}'), { n: 3 }), [3]);
  assert.throws(() => evaluateJsonPath(parseJsonPath('.items[5].n'), doc, doc, { strict: true }), /array index out of bounds: index 5, length 2/);
  assert.throws(() => evaluateJsonPath(parseJsonPath('.nope'), web, web, { strict: true }), /nope is not found/);
  // A nil pointer counts: .cluster.uid without a cluster is not found (csharg prints nothing then).
  assert.throws(() => evaluateJsonPath(parseJsonPath('.cluster.uid'), web, web, { strict: true }), /uid is not found/);
  assert.throws(() => parseJsonPath('items'), JsonPathError);
  assert.throws(() => parseJsonPath('.items['), /never closed/);
  assert.throws(() => parseJsonPath('.items[?(@.n)]'), /unsupported \[\?\(@\.n\)\]/);
  assert.throws(() => parseJsonPathTemplate('{range [*]}{.name}'), /\{range\} without \{end\}/);
  assert.throws(() => parseJsonPathTemplate('{end}'), /without \{range\}/);
  assert.throws(() => renderJsonPathTemplate(parseJsonPathTemplate('{.items[*].name}'), [web]), /items is not found/);
});

test('--sort-by: csharg\'s templates ({.netns}, several values, Go names), empty = discovery order, our words and bare paths, ties in the default order', () => {
  const names = (ts: Target[]): string[] => ts.map((t) => t.name);
  assert.deepEqual(names(sortTargets(targets, parseSortKey(''))), names(targets));
  assert.deepEqual(names(sortTargets(targets, parseSortKey('{.netns}'))).slice(0, 3), ['/run/netns/x: y', 'yes', '#1 <&>']);
  assert.deepEqual(names(sortTargets(targets, parseSortKey('.NetNS'))), names(sortTargets(targets, parseSortKey('{.netns}'))));
  assert.deepEqual(names(sortTargets(targets, parseSortKey('name'))), names(sortTargets(targets)));
  // Ties (type) keep the default order: natural order of name/node (web-9 before web-10).
  assert.deepEqual(names(sortTargets(targets, parseSortKey('{.Type}'))).slice(0, 4), ['/run/netns/x: y', 'tab\there', 'web-9', 'web-10']);
  // Several values run together as text: type then pid.
  assert.deepEqual(names(sortTargets(targets, parseSortKey('{.type}{.pid}'))).slice(-3), ['two\nlines', 'ünï 😀', '123']);
  assert.throws(() => sortTargets(targets, parseSortKey('{.nope}')), /nope is not found/);
  assert.throws(() => parseSortKey('{.Name'), /never closed/);
});

test('-o errors: csharg\'s messages where it has them', () => {
  assert.throws(() => parseListFormat('xml'), /^Error: unexpected output format "xml", expected 'custom-columns'/);
  assert.throws(() => parseListFormat('custom-columns='), /^Error: no custom columns given$/);
  assert.throws(() => parseListFormat('custom-columns'), /missing custom columns specification/);
  assert.throws(() => parseListFormat('custom-columns=A'), /unexpected custom-columns spec: A, expected <header>:<json-path-expr>/);
  assert.throws(() => parseListFormat('jsonpath'), /missing JSONPath expression/);
  assert.throws(() => parseListFormat('go-template={{.Name}'), /unclosed action/);
  assert.throws(() => parseListFormat('jsonpath-file=/x', { readFile: () => '' }), /missing JSONPath expression in "\/x"/);
  assert.throws(() => parseListFormat('custom-columns-file=/x', { readFile: () => 'A B\n' }), /missing the JSON expressions line/);
  assert.throws(() => parseListFormat('custom-columns-file=/x', { readFile: () => 'A B\n.a\n' }), /number of column headers \(2\) does not match number of JSON expressions \(1\)/);
  assert.throws(() => parseListFormat('custom-columns-file=/nonexistent-h5'), /^Error: open \/nonexistent-h5: no such file or directory$/);
});
