// The pcapng-decode node: pcapng chunks, packets or batches in; packets with their decoded fields
// (protocol, addresses, ports, TCP flags, VLANs, ICMP, DNS names, malformed reasons) out, one
// message per packet or one batch per incoming message.
import { errorStatus, errorText, rejectConfiguration } from './lib/error-status';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';
import { PacketIntake, decodedPayload } from './lib/packet-intake';

type DecodeOutput = 'packets' | 'batches';

function outputOf(value: unknown): DecodeOutput {
  if (value === undefined || value === '' || value === 'batches') return 'batches';
  if (value === 'packets') return 'packets';
  throw new RangeError(`output: expected "packets" or "batches", got ${JSON.stringify(value)}`);
}

export = function register(RED: NodeAPI): void {
  function PcapngDecode(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    let output: DecodeOutput;
    try {
      output = outputOf(def.output);
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const intake = new PacketIntake();
    let decoded = 0;

    node.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      try {
        const topic = typeof msg.topic === 'string' ? msg.topic : '';
        const packets = intake.packets(msg.payload, topic).map(decodedPayload);
        decoded += packets.length;
        if (packets.length > 0) {
          // one packet in, one packet out; a batch or chunk as a batch or packet by packet
          if (PacketIntake.isSingle(msg.payload)) send({ ...msg, payload: packets[0] });
          else if (output === 'batches') send({ ...msg, payload: packets });
          else for (const payload of packets) send({ topic: msg.topic, payload, ...(msg.replay !== undefined ? { replay: msg.replay } : {}) });
        }
        node.status({ fill: 'green', shape: 'dot', text: RED._('pcapng-decode.status.decoded', { count: decoded }) });
        done();
      } catch (err) {
        node.status(errorStatus(err));
        done(errorText(err));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => done());
  }
  RED.nodes.registerType('pcapng-decode', PcapngDecode);
};
