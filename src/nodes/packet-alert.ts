// The packet-alert node: one alert rule (threshold, rate of change, new talker, port scan) over
// the packets it receives; each alert leaves as a message with its evidence packets (JSON-safe,
// with decoded fields). One alertWhen pipeline per node instance, on packet time.
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Alert } from '../core/analysis/alert-types';
import type { DecodedPacket } from '../core/decode';
import { alertWhen } from '../rx/alert';
import { alertRuleOf } from './lib/alert-rule-fields';
import { errorStatus, errorText, rejectConfiguration } from './lib/error-status';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';
import { PacketIntake, decodedPayload } from './lib/packet-intake';
import type { IntakePacket } from './lib/packet-intake';

const MAX_STATUS_MESSAGE = 40;

export = function register(RED: NodeAPI): void {
  function PacketAlert(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    const packets = new Subject<DecodedPacket>();
    // evidence packets back to the payloads they came in (dropped with the packets)
    const origins = new WeakMap<DecodedPacket, IntakePacket>();
    let subscription: Subscription;
    let count = 0;
    const onAlert = (alert: Alert<DecodedPacket>): void => {
      count++;
      const evidence = alert.evidence.map((p) => decodedPayload(origins.get(p) ?? { packet: p, payload: {}, fromChunk: false }));
      node.send({ topic: alert.rule, payload: { rule: alert.rule, kind: alert.kind, at: alert.at, message: alert.message, details: alert.details, evidence } });
      const text = alert.message.length > MAX_STATUS_MESSAGE ? `${alert.message.slice(0, MAX_STATUS_MESSAGE - 1)}…` : alert.message;
      node.status({ fill: 'yellow', shape: 'dot', text: RED._('packet-alert.status.alert', { count, time: new Date(alert.at).toISOString().slice(11, 19), message: text }) });
    };
    try {
      subscription = packets.pipe(alertWhen(alertRuleOf(def))).subscribe({
        next: onAlert,
        error: (err: unknown) => {
          node.status(errorStatus(err));
          node.error(errorText(err), {});
        },
      });
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const intake = new PacketIntake();

    node.on('input', (msg: NodeMessage, _send: SendFunction, done: DoneFunction) => {
      try {
        for (const item of intake.packets(msg.payload, typeof msg.topic === 'string' ? msg.topic : '')) {
          origins.set(item.packet, item);
          packets.next(item.packet);
        }
        done();
      } catch (err) {
        node.status(errorStatus(err));
        done(errorText(err));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      subscription.unsubscribe();
      packets.complete();
      done();
    });
  }
  RED.nodes.registerType('packet-alert', PacketAlert);
};
