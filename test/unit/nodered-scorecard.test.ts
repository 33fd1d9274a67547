// The Node-RED Flow Library's scorecard rules for this package, and the pack's own layout rules:
// each node has a runtime source, an editor file with help, a locale; each example opens with a
// comment and uses only core nodes besides this pack (the live dashboard example also Dashboard 2's,
// which stays a dev dependency: an optional dependency of that example, not of the pack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string; license: string; repository?: { url?: string }; keywords: string[]; engines?: { node?: string };
  dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; devDependencies?: Record<string, string>; 'node-red': { version?: string; nodes: Record<string, string> }; files: string[];
};
const nodeTypes = Object.keys(pkg['node-red'].nodes);
const CONFIG_NODES = new Set(['edgeshark-host']);
const CORE_TYPES = new Set(['tab', 'comment', 'inject', 'debug', 'function', 'catch', 'status', 'change', 'switch', 'delay', 'trigger', 'mqtt out', 'mqtt in', 'mqtt-broker', 'file', 'file in', 'link in', 'link out', 'join', 'split', 'template', 'tls-config']);
// @flowfuse/node-red-dashboard's node types, allowed only in the example made for it.
const DASHBOARD_EXAMPLES = new Set(['live-dashboard.json']);
const DASHBOARD_TYPES = new Set(['ui-base', 'ui-theme', 'ui-page', 'ui-group', 'ui-chart', 'ui-table', 'ui-button', 'ui-text', 'ui-template']);

interface FlowNode { id: string; type: string; z?: string; x?: number; y?: number }
const examplesDir = path.join(root, 'examples', 'flows');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.json')).map((f) => ({ file: f, flow: JSON.parse(readFileSync(path.join(examplesDir, f), 'utf8')) as FlowNode[] }));

test('scorecard: SPDX license, repository, scoped name, node-red keyword, node-red.version, engines.node', () => {
  assert.match(pkg.license, /^(MIT|Apache-2\.0|BSD-[23]-Clause|ISC|MPL-2\.0|GPL-[23]\.0-(only|or-later))$/);
  assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
  assert.match(pkg.name, /^@[a-z0-9][a-z0-9._~-]*\/node-red-[a-z0-9._~-]+$/);
  assert.ok(pkg.keywords.includes('node-red'));
  assert.ok(pkg['node-red'].version, 'node-red.version is set');
  assert.ok(pkg.engines?.node, 'engines.node is set');
});

test('scorecard: at most six runtime dependencies', () => {
  assert.ok(Object.keys(pkg.dependencies ?? {}).length <= 6, Object.keys(pkg.dependencies ?? {}).join(', '));
});

test('Dashboard 2 is a dev dependency only (for the live dashboard example), never a dependency or peer of the pack', () => {
  const name = '@flowfuse/node-red-dashboard';
  assert.ok(pkg.devDependencies?.[name], `${name} is a dev dependency`);
  assert.equal(pkg.dependencies?.[name], undefined);
  assert.equal(pkg.peerDependencies?.[name], undefined);
  const dashboardTypes = examples.filter((e) => e.flow.some((n) => DASHBOARD_TYPES.has(n.type))).map((e) => e.file);
  assert.deepEqual(dashboardTypes, [...DASHBOARD_EXAMPLES], 'only the live dashboard example uses Dashboard 2');
});

test('scorecard: every non-config node is used in an example flow', () => {
  const used = new Set(examples.flatMap((e) => e.flow.map((n) => n.type)));
  for (const type of nodeTypes.filter((t) => !CONFIG_NODES.has(t))) assert.ok(used.has(type), `${type} is in no example`);
});

test('each node: dist path next to its editor file, TypeScript source, help and en-US locale', () => {
  assert.ok(pkg.files.includes('dist/'), 'dist/ is published');
  for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
    assert.equal(file, `dist/nodes/${type}.js`);
    assert.ok(existsSync(path.join(root, 'src', 'nodes', `${type}.ts`)), `src/nodes/${type}.ts`);
    const html = readFileSync(path.join(root, 'nodes-html', `${type}.html`), 'utf8');
    assert.match(html, new RegExp(`registerType\\('${type}'`));
    assert.match(html, new RegExp(`data-template-name="${type}"`));
    assert.match(html, new RegExp(`<script type="text/markdown" data-help-name="${type}">`));
    const locale = JSON.parse(readFileSync(path.join(root, 'nodes-html', 'locales', 'en-US', `${type}.json`), 'utf8')) as Record<string, unknown>;
    assert.ok(locale[type], `locale of ${type} has its section`);
  }
});

// The examples capture on this machine (they run as they are, no Edgeshark needed), except the one
// that shows an Edgeshark host: its host node has a service URL for users to change.
const SERVICE_HOST_EXAMPLES = new Set(['capture-from-edgeshark-host.json']);

test('each example flow: one tab, opens with a comment, only core nodes besides this pack, local source (but the Edgeshark host example)', () => {
  assert.ok(examples.length >= nodeTypes.length - CONFIG_NODES.size);
  for (const { file, flow } of examples) {
    const tabs = flow.filter((n) => n.type === 'tab');
    assert.equal(tabs.length, 1, `${file}: one tab`);
    const onTab = flow.filter((n) => n.z === tabs[0]!.id);
    assert.equal(onTab[0]?.type, 'comment', `${file}: the first node is a comment`);
    const topmost = [...onTab].sort((a, b) => (a.y ?? 0) - (b.y ?? 0))[0];
    assert.equal(topmost?.type, 'comment', `${file}: the comment is on top`);
    const allowed = (type: string): boolean => CORE_TYPES.has(type) || nodeTypes.includes(type) || (DASHBOARD_EXAMPLES.has(file) && DASHBOARD_TYPES.has(type));
    for (const n of flow) assert.ok(allowed(n.type), `${file}: ${n.type} is neither core nor this pack`);
    for (const host of flow.filter((n) => n.type === 'edgeshark-host') as unknown as { source: string; url: string }[]) {
      if (SERVICE_HOST_EXAMPLES.has(file)) {
        assert.equal(host.source, 'url', `${file}: an Edgeshark service`);
        assert.match(host.url, /^https?:\/\/[^\s/]+/, `${file}: a service URL`);
      } else {
        assert.equal(host.source, 'local', `${file}: this machine`);
      }
    }
    const ids = flow.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: unique ids`);
  }
});
