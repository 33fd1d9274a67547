// Every message key a node uses exists in its own en-US catalog (issue 16, item 4). Node-RED
// looks a node's keys up in that node's namespace only: the targets node's template used the
// capture node's `edgeshark-capture.kind.*` keys, which resolve to nothing there, so its "Kinds"
// checkboxes had no labels. Keys come from the editor file (data-i18n, this._ / node._) and the
// runtime source (RED._); a key built at run time ('….kind.' + kind) must name a section.
// The real editor shows the same in test/integration/nodered-editor.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const types = Object.keys(pkg['node-red'].nodes);

function catalog(type: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(root, 'nodes-html', 'locales', 'en-US', `${type}.json`), 'utf8')) as Record<string, unknown>;
}

function lookup(cat: Record<string, unknown>, key: string): unknown {
  let at: unknown = cat;
  for (const part of key.split('.')) {
    if (typeof at !== 'object' || at === null || !(part in at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The keys a file uses: [key, dynamic] (dynamic: the literal is only the start of the key). */
function keysIn(text: string): [string, boolean][] {
  const keys: [string, boolean][] = [];
  for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) {
    for (const part of m[1]!.split(';')) keys.push([part.replace(/^\[[^\]]*\]/, ''), false]);
  }
  for (const m of text.matchAll(/\b(?:RED|this|node)\._\(\s*'([^']+)'\s*(\+)?/g)) keys.push([m[1]!, m[2] === '+']);
  return keys;
}

for (const type of types) {
  test(`${type}: every key its editor file and runtime source use is in its own catalog`, () => {
    const cat = catalog(type);
    const files = [path.join(root, 'nodes-html', `${type}.html`), path.join(root, 'src', 'nodes', `${type}.ts`)];
    let checked = 0;
    for (const file of files) {
      for (const [key, dynamic] of keysIn(readFileSync(file, 'utf8'))) {
        if (key.includes(':')) continue; // another namespace on purpose, e.g. node-red:common.label.name
        checked++;
        assert.ok(key.startsWith(`${type}.`), `${path.basename(file)}: "${key}" is not in ${type}'s section (Node-RED looks it up in ${type}'s namespace)`);
        const value = lookup(cat, dynamic ? key.replace(/\.$/, '') : key);
        if (dynamic) assert.equal(typeof value, 'object', `${path.basename(file)}: the section "${key}…" exists`);
        else assert.equal(typeof value, 'string', `${path.basename(file)}: "${key}" is in locales/en-US/${type}.json`);
        if (!dynamic) assert.notEqual((value as string).trim(), '', `${key} is not empty`);
      }
    }
    assert.ok(checked > 0, `${type} uses its catalog`);
  });
}

test('the status texts say what the numbers are ("439 packets", not "(439)")', () => {
  for (const type of types) {
    const statuses = lookup(catalog(type), `${type}.status`) as Record<string, string> | undefined;
    for (const [name, text] of Object.entries(statuses ?? {})) {
      assert.doesNotMatch(text, /\(__\w+__\)/, `${type}.status.${name}: "${text}" shows a bare number in brackets`);
    }
  }
  assert.match(lookup(catalog('edgeshark-capture'), 'edgeshark-capture.status.capturing') as string, /__total__ packets/);
});
