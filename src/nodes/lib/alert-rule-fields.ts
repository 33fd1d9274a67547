// The packet-alert node's edit-dialog fields as one AlertRule: the kind picks which fields count;
// empty fields take the rule's defaults; a field that is no number is an AlertRuleError (the
// rule's own checks run in alertWhen).
import { AlertRuleError } from '../../core/analysis/alert-rules';
import type { AlertKind, AlertRule, WindowMetric } from '../../core/analysis/alert-types';
import type { DecodedPacket } from '../../core/decode';

const KINDS: readonly AlertKind[] = ['threshold', 'rate-of-change', 'new-talker', 'port-scan'];
const METRICS: readonly WindowMetric[] = ['packets', 'bytes', 'pps', 'bps'];

function numberField(rule: string, def: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = def[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new AlertRuleError(rule, `${key}: expected a number, got ${JSON.stringify(value)}`);
  return n;
}

/** Removes the fields left undefined, so the rule's defaults apply. */
function defined<T extends object>(rule: T): T {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as T;
}

export function alertRuleOf(def: Readonly<Record<string, unknown>>): AlertRule<DecodedPacket> {
  const kind = def.ruleKind;
  const name = typeof def.ruleName === 'string' && def.ruleName.trim() !== '' ? def.ruleName.trim() : undefined;
  const label = name ?? (typeof kind === 'string' ? kind : 'rule');
  if (!KINDS.includes(kind as AlertKind)) throw new AlertRuleError(label, `unknown kind ${JSON.stringify(kind)} (${KINDS.join(', ')})`);
  const num = (key: string): number | undefined => numberField(label, def, key);
  const common = { name, cooldownMs: num('cooldownMs'), evidence: num('evidence') };
  switch (kind as AlertKind) {
    case 'threshold':
    case 'rate-of-change': {
      const metric = def.metric;
      if (!METRICS.includes(metric as WindowMetric)) throw new AlertRuleError(label, `unknown metric ${JSON.stringify(metric)} (${METRICS.join(', ')})`);
      const windowMs = num('windowMs');
      if (windowMs === undefined) throw new AlertRuleError(label, 'needs a window (windowMs)');
      if (kind === 'threshold') return defined({ ...common, kind: 'threshold', metric: metric as WindowMetric, windowMs, above: num('above'), below: num('below') });
      return defined({ ...common, kind: 'rate-of-change', metric: metric as WindowMetric, windowMs, risePercent: num('risePercent'), fallPercent: num('fallPercent'), minValue: num('minValue') });
    }
    case 'new-talker':
      return defined({ ...common, kind: 'new-talker', learnMs: num('learnMs') });
    case 'port-scan': {
      const ports = num('ports');
      const withinMs = num('withinMs');
      if (ports === undefined || withinMs === undefined) throw new AlertRuleError(label, 'needs ports and withinMs');
      const probes = def.probes === 'tcp-syn' ? ['tcp-syn' as const] : def.probes === 'udp' ? ['udp' as const] : undefined;
      return defined({ ...common, kind: 'port-scan', ports, withinMs, probes });
    }
  }
}
