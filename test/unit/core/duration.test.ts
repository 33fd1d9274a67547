import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../../src/core/duration';

test('parses Go-style durations into milliseconds', () => {
  const cases: [string, number][] = [
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['1500us', 1.5],
    ['0', 0],
    ['0s', 0],
    ['3', 3000],
    [' 2s ', 2000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('rejects what is not a duration, naming the text', () => {
  for (const bad of ['', 's', '10x', '1m30', '-1s', 'ten seconds', '1s2']) {
    assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof RangeError && e.message.includes(`"${bad}"`), bad);
  }
});
