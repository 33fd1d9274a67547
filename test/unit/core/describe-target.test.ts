import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTarget } from '../../../src/core/describe-target';

test('describeTarget names type, name, node and netns', () => {
  assert.equal(describeTarget({ name: 'web', type: 'docker', nodeName: 'h1', netns: 42 }), 'docker "web" on node "h1" (netns 42)');
  assert.equal(describeTarget({ name: 'web', type: '' }, 'h2'), 'target "web" on node "h2"');
});

test('describeTarget cuts very long names so messages stay readable', () => {
  const text = describeTarget({ name: 'x'.repeat(8000), type: 'proc' });
  assert.ok(text.length < 200, `message part of ${text.length} characters`);
  assert.match(text, /\(8000 characters\)/);
});
