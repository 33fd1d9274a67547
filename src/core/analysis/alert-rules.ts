// Checking a rule as written (in code or a Node-RED flow) and making its engine.

import { CshargError } from '../errors';
import { NewTalkerEngine, PortScanEngine } from './alert-talker-rules';
import type { AlertEngine, AlertPacket, AlertRule } from './alert-types';
import { RateOfChangeEngine, ThresholdEngine } from './alert-window-rules';

/** A rule that cannot work: unknown kind, missing or out-of-range fields. */
export class AlertRuleError extends CshargError {
  constructor(
    /** the rule's name or kind, as far as it has one */
    readonly rule: string,
    detail: string,
  ) {
    super('ALERT_RULE', `alert rule ${rule}: ${detail}`);
  }
}

const METRICS = ['packets', 'bytes', 'pps', 'bps'];

function check(rule: AlertRule<never>): void {
  const label = typeof rule.name === 'string' ? JSON.stringify(rule.name) : String(rule.kind);
  const fail = (detail: string): never => {
    throw new AlertRuleError(label, detail);
  };
  const number = (key: string, value: unknown, min: number, optional: boolean, integer = false): void => {
    if (value === undefined && optional) return;
    if (typeof value !== 'number' || Number.isNaN(value) || value < min || (integer && !Number.isInteger(value)) || (!integer && !Number.isFinite(value))) {
      fail(`${key} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(value)}`);
    }
  };
  number('cooldownMs', rule.cooldownMs, 0, true);
  number('evidence', rule.evidence, 0, true, true);
  if (rule.where !== undefined && typeof rule.where !== 'function') fail('where must be a function');
  switch (rule.kind) {
    case 'threshold':
    case 'rate-of-change':
      if (!METRICS.includes(rule.metric)) fail(`metric must be one of ${METRICS.join(', ')}, got ${String(rule.metric)}`);
      number('windowMs', rule.windowMs, 0, false);
      if (rule.windowMs <= 0) fail('windowMs must be > 0');
      if (rule.kind === 'threshold') {
        if (rule.above === undefined && rule.below === undefined) fail('give above, below or both');
        number('above', rule.above, -Infinity, true);
        number('below', rule.below, -Infinity, true);
      } else {
        if (rule.risePercent === undefined && rule.fallPercent === undefined) fail('give risePercent, fallPercent or both');
        number('risePercent', rule.risePercent, 0, true);
        number('fallPercent', rule.fallPercent, 0, true);
        number('minValue', rule.minValue, 0, true);
      }
      return;
    case 'new-talker':
      number('learnMs', rule.learnMs, 0, true);
      number('maxKnown', rule.maxKnown, 1, true, true);
      return;
    case 'port-scan':
      number('ports', rule.ports, 1, false, true);
      number('withinMs', rule.withinMs, 0, false);
      number('maxSources', rule.maxSources, 1, true, true);
      if (rule.probes !== undefined && (!Array.isArray(rule.probes) || rule.probes.length === 0 || rule.probes.some((p) => p !== 'tcp-syn' && p !== 'udp'))) {
        fail(`probes must be a non-empty list of 'tcp-syn' and 'udp'`);
      }
      return;
    default:
      fail(`kind must be threshold, rate-of-change, new-talker or port-scan, got ${JSON.stringify((rule as { kind?: unknown }).kind)}`);
  }
}

/** The running state of `rule`; throws AlertRuleError for a rule that cannot work. */
export function alertEngine<P extends AlertPacket>(rule: AlertRule<P>): AlertEngine<P> {
  if (typeof rule !== 'object' || rule === null) throw new AlertRuleError('(none)', 'a rule must be an object');
  check(rule);
  switch (rule.kind) {
    case 'threshold':
      return new ThresholdEngine(rule);
    case 'rate-of-change':
      return new RateOfChangeEngine(rule);
    case 'new-talker':
      return new NewTalkerEngine(rule);
    case 'port-scan':
      return new PortScanEngine(rule);
  }
}
