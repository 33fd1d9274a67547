import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SEMVER } from '../../src/index';

test('SEMVER matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', `file://${__filename}`), 'utf8')) as { version: string };
  assert.equal(SEMVER, pkg.version);
});
