import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isKernelThread, parseProcStat } from '../../../src/core/local/proc-stat';

/** A stat line as the kernel writes it (fields 1 to 52), with the given comm, ppid, flags, starttime. */
function statLine(pid: number, comm: string, ppid: number, flags: number, starttime: number): string {
  const after = ['S', String(ppid), '1', '1', '0', '-1', String(flags)];
  // fields 10..21: minflt ... itrealvalue
  for (let f = 10; f <= 21; f++) after.push(String(f * 7));
  after.push(String(starttime));
  for (let f = 23; f <= 52; f++) after.push(String(f));
  return `${pid} (${comm}) ${after.join(' ')}\n`;
}

test('reads pid, comm, ppid, flags and start time of a plain line', () => {
  const stat = parseProcStat(statLine(4146, 'csharg-t1', 1, 4194560, 51094));
  assert.deepEqual(stat, { pid: 4146, comm: 'csharg-t1', state: 'S', ppid: 1, flags: 4194560, starttime: 51094 });
  assert.equal(isKernelThread(stat), false);
});

test('a real kthreadd line is a kernel thread', () => {
  const stat = parseProcStat('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n');
  assert.equal(stat.starttime, 24);
  assert.equal(stat.ppid, 0);
  assert.equal(isKernelThread(stat), true);
});

test('hostile comms with spaces, parentheses and newlines keep every later field in place', () => {
  const hostile = ['a b', ') S 99 ', 'x) (y', '((((', '))))', 'line\nbreak', ') 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20', '', ' ', '(sd-pam)'];
  for (const comm of hostile) {
    const stat = parseProcStat(statLine(77, comm, 12, 64, 987654321));
    assert.equal(stat.comm, comm, JSON.stringify(comm));
    assert.equal(stat.ppid, 12, JSON.stringify(comm));
    assert.equal(stat.starttime, 987654321, JSON.stringify(comm));
  }
});

test('any comm the kernel could report parses back exactly (property)', () => {
  // The kernel keeps at most 15 bytes of comm, of any value but NUL.
  const comm = fc.string({ unit: fc.constantFrom(' ', '(', ')', '\n', '\t', 'a', 'Z', '9', '-', ':', 'é'), maxLength: 15 });
  fc.assert(
    fc.property(comm, fc.integer({ min: 1, max: 4194304 }), fc.integer({ min: 0, max: 2 ** 40 }), (c, pid, starttime) => {
      const stat = parseProcStat(statLine(pid, c, 1, 0, starttime));
      assert.equal(stat.comm, c);
      assert.equal(stat.pid, pid);
      assert.equal(stat.starttime, starttime);
    }),
  );
});

test('rejects text that is not a stat line', () => {
  for (const bad of ['', 'garbage', '12 no-parens S 1', 'x (a) S 1 2', '12 (a) S 1 2 3']) {
    assert.throws(() => parseProcStat(bad), SyntaxError, JSON.stringify(bad));
  }
});
