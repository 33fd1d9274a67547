// The pcapng-write node: packets (chunks, packets, batches or blocks from a capture node) into a
// pcapng file, rotating by size or time; each closed file leaves as a message.
// msg.topic "rotate" closes the current file now (the next packet opens the next one).
import { errorStatus, errorText, rejectConfiguration } from './lib/error-status';
import { MessagePackets } from './lib/message-packets';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';
import { RotatingPcapngFile } from './lib/pcapng-file';

function nonNegative(value: unknown, name: string): number {
  const n = value === undefined || value === '' ? 0 : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name}: expected a number >= 0, got ${JSON.stringify(value)}`);
  return n;
}

export = function register(RED: NodeAPI): void {
  function PcapngWrite(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    let file: RotatingPcapngFile;
    try {
      const filename = typeof def.filename === 'string' ? def.filename.trim() : '';
      if (filename === '') throw new Error(RED._('pcapng-write.errors.no-file'));
      const maxBytes = Math.round(nonNegative(def.rotateMB, 'rotate size') * 1024 * 1024);
      const maxAgeMs = Math.round(nonNegative(def.rotateSeconds, 'rotate time') * 1000);
      file = new RotatingPcapngFile(filename, { maxBytes, maxAgeMs }, (closed) => {
        node.send({ topic: 'closed', payload: closed.file, packets: closed.packets, bytes: closed.bytes });
      });
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const reader = new MessagePackets();
    let written = 0;

    node.on('input', (msg: NodeMessage, _send: SendFunction, done: DoneFunction) => {
      try {
        if (msg.topic === 'rotate') {
          file.close();
          return done();
        }
        const records = reader.records(msg.payload, typeof msg.topic === 'string' ? msg.topic : '');
        for (const record of records) file.write(record);
        written += records.length;
        node.status({ fill: 'green', shape: 'dot', text: RED._('pcapng-write.status.written', { count: written, file: file.currentFile ?? '' }) });
        done();
      } catch (err) {
        node.status(errorStatus(err));
        done(errorText(err));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      try {
        file.close();
      } catch (err) {
        node.error(errorText(err), {});
      }
      done();
    });
  }
  RED.nodes.registerType('pcapng-write', PcapngWrite);
};
