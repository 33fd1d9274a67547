// The edgeshark-targets node: the host's capture targets, on input or every N seconds, filtered by
// kind and by a name pattern. Each target can go straight into a capture node's msg.target.
import type { Target } from '../core/target';
import { errorStatus, errorText, rejectConfiguration } from './lib/error-status';
import { isEdgesharkHostNode } from './lib/host-node';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';
import { TARGET_KINDS, kindOf, targetLabel } from './lib/target-kind';
import type { TargetKind } from './lib/target-kind';

function kindsOf(def: NodeDefinition): Set<TargetKind> {
  const kinds = new Set<TargetKind>();
  for (const kind of TARGET_KINDS) if (def[kind] !== false) kinds.add(kind);
  return kinds;
}

function patternOf(def: NodeDefinition): RegExp | undefined {
  const text = typeof def.pattern === 'string' ? def.pattern.trim() : '';
  if (text === '') return undefined;
  try {
    return new RegExp(text);
  } catch (err) {
    throw new RangeError(`name pattern: ${(err as Error).message}`);
  }
}

export = function register(RED: NodeAPI): void {
  function EdgesharkTargets(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    const host = typeof def.host === 'string' ? RED.nodes.getNode(def.host) : undefined;
    let pattern: RegExp | undefined;
    let intervalMs: number;
    try {
      if (!isEdgesharkHostNode(host)) throw new Error(RED._('edgeshark-targets.errors.no-host'));
      pattern = patternOf(def);
      intervalMs = Math.round(Number(def.interval || 0) * 1000);
      if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`interval: expected seconds >= 0, got ${JSON.stringify(def.interval)}`);
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const kinds = kindsOf(def);
    const wanted = (t: Target): boolean => kinds.has(kindOf(t)) && (!pattern || pattern.test(targetLabel(t)));

    const list = async (msg: NodeMessage, send: SendFunction): Promise<void> => {
      const tank = host.tank();
      // Asked for, or on a timer: fresh each time (the cache serves the capture nodes).
      tank.clear();
      const targets = (await tank.targets()).filter(wanted).sort((a, b) => targetLabel(a).localeCompare(targetLabel(b)));
      node.status({ fill: 'green', shape: 'dot', text: RED._('edgeshark-targets.status.found', { count: targets.length }) });
      send({ ...msg, topic: msg.topic ?? tank.description, payload: targets, count: targets.length });
    };

    node.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      list(msg, send).then(() => done(), (err: unknown) => {
        node.status(errorStatus(err));
        done(errorText(err));
      });
    });

    if (intervalMs > 0) {
      const timer = setInterval(() => {
        list({}, (m) => node.send(m as NodeMessage)).catch((err: unknown) => {
          node.status(errorStatus(err));
          node.error(errorText(err), {});
        });
      }, intervalMs);
      node.on('close', (_removed: boolean, done: () => void) => {
        clearInterval(timer);
        done();
      });
    }
  }
  RED.nodes.registerType('edgeshark-targets', EdgesharkTargets);
};
