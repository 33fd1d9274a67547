// The packet-filter node: passes the packet messages that match its rules (protocol, host, port,
// interface; addresses may be CIDR prefixes) and keeps only the matching packets of batches and
// chunks. One matchPackets pipeline per node instance, fed message by message.
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { DecodedPacket } from '../core/decode';
import { matchPackets } from '../rx/select';
import { errorStatus, errorText, rejectConfiguration } from './lib/error-status';
import { filterCriteria } from './lib/filter-criteria';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';
import { PacketIntake } from './lib/packet-intake';

export = function register(RED: NodeAPI): void {
  function PacketFilter(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    const packets = new Subject<DecodedPacket>();
    // what the pipeline let through for the message being handled (it runs synchronously)
    let matched: DecodedPacket[] = [];
    let subscription: Subscription;
    try {
      subscription = packets.pipe(matchPackets(filterCriteria(def))).subscribe((p) => matched.push(p));
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const intake = new PacketIntake();
    let seen = 0;
    let passed = 0;

    node.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      try {
        const items = intake.packets(msg.payload, typeof msg.topic === 'string' ? msg.topic : '');
        const byPacket = new Map(items.map((item) => [item.packet, item.payload]));
        matched = [];
        for (const item of items) packets.next(item.packet);
        seen += items.length;
        passed += matched.length;
        const single = PacketIntake.isSingle(msg.payload);
        if (single && matched.length === 1) send(msg);
        else if (!single && matched.length > 0) send({ ...msg, payload: matched.map((p) => byPacket.get(p)) });
        matched = [];
        node.status({ fill: 'green', shape: 'dot', text: RED._('packet-filter.status.passed', { passed, seen }) });
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
  RED.nodes.registerType('packet-filter', PacketFilter);
};
