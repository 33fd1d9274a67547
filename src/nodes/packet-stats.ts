// The packet-stats node: per window (packet time), packets, bytes, pps and bps in total and per
// interface and protocol, with the top talkers — one message per window. One windowStats and one
// topTalkers pipeline per node instance over the same packets, zipped window by window.
// msg.topic "flush" sends the window still open (so does a pause of twice the window length).
import { zip } from 'rxjs';
import { windowStats, topTalkers } from '../rx/stats';
import { asError, errorStatus, errorText, rejectConfiguration } from './error-status';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './node-red-api';
import { PacketIntake } from './packet-intake';
import { WindowPipeline } from './window-pipeline';

const MIN_IDLE_MS = 1000;

function positiveInteger(value: unknown, name: string, fallback: number): number {
  const n = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name}: expected a whole number >= 1, got ${JSON.stringify(value)}`);
  return n;
}

export = function register(RED: NodeAPI): void {
  function PacketStats(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    let windowMs: number;
    let k: number;
    try {
      windowMs = positiveInteger(def.windowMs, 'window', 1000);
      k = positiveInteger(def.topK, 'top talkers', 5);
      // checks the arguments the operators will get
      windowStats(windowMs);
      topTalkers(windowMs, k);
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const intake = new PacketIntake();
    let topic: string | undefined;
    let windows = 0;
    const pipeline = new WindowPipeline(
      (packets) => zip(packets.pipe(windowStats(windowMs)), packets.pipe(topTalkers(windowMs, k))),
      ([stats, talkers]) => {
        windows++;
        node.send({ topic, payload: { ...stats, talkers: talkers.talkers, untrackedPackets: talkers.untrackedPackets } });
        node.status({ fill: 'green', shape: 'dot', text: RED._('packet-stats.status.window', { packets: stats.packets, pps: Math.round(stats.pps), windows }) });
      },
      (err) => {
        node.status(errorStatus(err));
        node.error(errorText(err), {});
      },
      Math.max(2 * windowMs, MIN_IDLE_MS),
    );

    node.on('input', (msg: NodeMessage, _send: SendFunction, done: DoneFunction) => {
      try {
        if (msg.topic === 'flush') {
          pipeline.flush();
          return done();
        }
        topic = typeof msg.topic === 'string' ? msg.topic : undefined;
        pipeline.push(intake.packets(msg.payload, typeof msg.topic === 'string' ? msg.topic : '').map((i) => i.packet));
        done();
      } catch (err) {
        node.status(errorStatus(err));
        done(asError(err));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      pipeline.stop();
      done();
    });
  }
  RED.nodes.registerType('packet-stats', PacketStats);
};
