// The pcapng-replay node: a pcapng file's packets as messages, paced by their timestamps at a
// chosen speed (or as fast as the flow takes them). Starts on any message (msg.filename may name
// another file); msg.topic "stop" stops a replay.
import type { Subscription } from 'rxjs';
import { replayPcapng } from '../rx/replay';
import { errorStatus, errorText, rejectConfiguration } from './lib/error-status';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';
import { packetPayload } from './lib/packet-message';

function speedOf(value: unknown): number | 'max' {
  if (value === 'max' || value === '' || value === undefined) return value === 'max' ? 'max' : 1;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`speed: expected a number > 0 or "max", got ${JSON.stringify(value)}`);
  return n;
}

export = function register(RED: NodeAPI): void {
  function PcapngReplay(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    let speed: number | 'max';
    try {
      speed = speedOf(def.speed);
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }
    const configured = typeof def.filename === 'string' ? def.filename.trim() : '';
    let running: { subscription: Subscription; finish: () => void } | undefined;

    node.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      if (msg.topic === 'stop') {
        running?.subscription.unsubscribe();
        running?.finish();
        return done();
      }
      if (running) {
        node.warn(RED._('pcapng-replay.errors.already-running'));
        return done();
      }
      const file = typeof msg.filename === 'string' && msg.filename !== '' ? msg.filename : configured;
      if (file === '') return done(new Error(RED._('pcapng-replay.errors.no-file')));
      let count = 0;
      node.status({ fill: 'green', shape: 'dot', text: RED._('pcapng-replay.status.replaying', { file }) });
      const finish = (): void => {
        running = undefined;
        node.status({ fill: 'grey', shape: 'ring', text: RED._('pcapng-replay.status.done', { count }) });
        done();
      };
      const current = {
        finish,
        subscription: replayPcapng(file, { speed }).subscribe({
          next: (packet) => {
            count++;
            // msg.replay: these packets are not live (packet-stats keeps to packet time for them)
            send({ topic: file, payload: packetPayload(packet), replay: { file } });
          },
          error: (err: unknown) => {
            running = undefined;
            node.status(errorStatus(err));
            done(errorText(err));
          },
          complete: () => finish(),
        }),
      };
      // A file that failed or ended synchronously has no replay left to track.
      if (!current.subscription.closed) running = current;
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      running?.subscription.unsubscribe();
      running = undefined;
      done();
    });
  }
  RED.nodes.registerType('pcapng-replay', PcapngReplay);
};
