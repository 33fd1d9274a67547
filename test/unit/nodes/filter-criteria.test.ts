// filterCriteria (src/nodes/lib/filter-criteria.ts): the packet-filter dialog's text fields as
// PacketCriteria, checked at deploy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MatchCriteriaError } from '../../../src/core/analysis/match';
import { filterCriteria } from '../../../src/nodes/lib/filter-criteria';

describe('filterCriteria', () => {
  it('empty fields match everything', () => {
    assert.deepEqual(filterCriteria({}), {});
    assert.deepEqual(filterCriteria({ protocol: '', host: ' , ', port: '' }), {});
  });

  it('comma-separated lists, trimmed; ports as numbers', () => {
    assert.deepEqual(filterCriteria({
      protocol: 'tcp, udp', host: '198.18.1.1', src: '198.18.0.0/16', dst: 'fd00::1, fd00::/64', port: '42001,42002', srcPort: '0', dstPort: '65535', iface: 'eth0, target/eth0',
    }), {
      protocol: ['tcp', 'udp'], host: ['198.18.1.1'], src: ['198.18.0.0/16'], dst: ['fd00::1', 'fd00::/64'], port: [42001, 42002], srcPort: [0], dstPort: [65535], iface: ['eth0', 'target/eth0'],
    });
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown protocol', { protocol: 'tcp,smtp' }, /protocol.*smtp/],
    ['a port that is no number', { port: '80,http' }, /port.*"http"/],
    ['a port of six digits', { dstPort: '123456' }, /dstPort/],
    ['a bad address', { host: '198.18.1.300' }, /198\.18\.1\.300/],
    ['a bad prefix', { src: '198.18.0.0/33' }, /33/],
    ['a field that is no text', { host: 42 }, /expected text, got number/],
  ];
  for (const [what, def, message] of bad) {
    it(`rejects ${what} at deploy`, () => {
      assert.throws(() => filterCriteria(def), (err: unknown) => err instanceof MatchCriteriaError && message.test(err.message));
    });
  }
});
