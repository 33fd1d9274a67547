// Unit tests of the progress line and summary texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clock, formatProgress, formatSummary, humanBytes } from '../../../src/cli/progress';

test('progress figures: bytes in binary units, rate per second, elapsed as m:ss or h:mm:ss', () => {
  assert.equal(humanBytes(0), '0 B');
  assert.equal(humanBytes(1023), '1023 B');
  assert.equal(humanBytes(1536), '1.5 KiB');
  assert.equal(humanBytes(5 * 1024 * 1024), '5.0 MiB');
  assert.equal(clock(0), '0:00');
  assert.equal(clock(75_400), '1:15');
  assert.equal(clock(3_725_000), '1:02:05');
  assert.equal(formatProgress({ packets: 1234, bytes: 2048 * 10, elapsedMs: 10_000 }), '1234 packets  20.0 KiB  2.0 KiB/s  0:10');
  assert.equal(formatProgress({ packets: 1, bytes: 100, elapsedMs: 0 }), '1 packet  100 B  0 B/s  0:00');
  assert.equal(formatSummary('stopped (10 packets captured)', { packets: 10, bytes: 1126, elapsedMs: 2300 }), 'capture stopped (10 packets captured): 10 packets, 1.1 KiB in 2.3 s');
});
