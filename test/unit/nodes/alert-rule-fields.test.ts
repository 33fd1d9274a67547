// alertRuleOf (src/nodes/lib/alert-rule-fields.ts): the packet-alert dialog's fields as one
// AlertRule; the kind decides which fields count, empty ones take the rule's defaults.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlertRuleError } from '../../../src/core/analysis/alert-rules';
import { alertRuleOf } from '../../../src/nodes/lib/alert-rule-fields';

describe('alertRuleOf', () => {
  it('a threshold: metric, window and bounds as numbers (text from the dialog too)', () => {
    assert.deepEqual(alertRuleOf({ ruleKind: 'threshold', ruleName: ' many ', metric: 'pps', windowMs: '1000', above: 500, below: '', cooldownMs: '5000', evidence: '3' }),
      { name: 'many', cooldownMs: 5000, evidence: 3, kind: 'threshold', metric: 'pps', windowMs: 1000, above: 500 });
  });

  it('a rate of change', () => {
    assert.deepEqual(alertRuleOf({ ruleKind: 'rate-of-change', metric: 'bytes', windowMs: 2000, risePercent: '50', fallPercent: '', minValue: '10' }),
      { kind: 'rate-of-change', metric: 'bytes', windowMs: 2000, risePercent: 50, minValue: 10 });
  });

  it('a new talker: the other kinds\' fields do not count', () => {
    assert.deepEqual(alertRuleOf({ ruleKind: 'new-talker', learnMs: '30000', metric: 'pps', windowMs: 1000, above: 1 }), { kind: 'new-talker', learnMs: 30000 });
  });

  it('a port scan: ports and time, probes tcp-syn, udp or both', () => {
    assert.deepEqual(alertRuleOf({ ruleKind: 'port-scan', ports: '20', withinMs: '10000', probes: 'tcp-syn' }), { kind: 'port-scan', ports: 20, withinMs: 10000, probes: ['tcp-syn'] });
    assert.deepEqual(alertRuleOf({ ruleKind: 'port-scan', ports: 20, withinMs: 10000, probes: 'udp' }).kind, 'port-scan');
    assert.equal((alertRuleOf({ ruleKind: 'port-scan', ports: 20, withinMs: 10000, probes: 'both' }) as { probes?: unknown }).probes, undefined);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown kind', { ruleKind: 'spike' }, /unknown kind "spike"/],
    ['an unknown metric', { ruleKind: 'threshold', metric: 'flows', windowMs: 1000 }, /unknown metric "flows"/],
    ['a threshold without a window', { ruleKind: 'threshold', metric: 'pps' }, /needs a window/],
    ['a port scan without its time', { ruleKind: 'port-scan', ports: 10 }, /needs ports and withinMs/],
    ['a field that is no number', { ruleKind: 'threshold', ruleName: 'r1', metric: 'pps', windowMs: 'soon' }, /r1.*windowMs: expected a number, got "soon"/],
  ];
  for (const [what, def, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => alertRuleOf(def), (err: unknown) => err instanceof AlertRuleError && message.test(err.message));
    });
  }
});
