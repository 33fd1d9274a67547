// The edgeshark-capture node: a live capture of one target from its edgeshark-host, started on
// deploy or by `msg.topic` "start" (stopped by "stop"), stopped after a duration, a packet count
// or a byte count, with its output as pcapng chunks, blocks, packets or batches of packets.
import type { SharkTank } from '../core/shark-tank';
import type { Target } from '../core/target';
import { CaptureNodeRun } from './lib/capture-run';
import { captureSettings } from './lib/capture-settings';
import type { CaptureSettings } from './lib/capture-settings';
import { isEdgesharkHostNode } from './lib/host-node';
import { errorStatus, errorText, failMessage, rejectConfiguration } from './lib/error-status';
import { messageTarget, withProcessName } from './lib/message-target';
import type { DoneFunction, NodeAPI, NodeDefinition, NodeMessage, RuntimeNode, SendFunction } from './lib/node-red-api';

/** Node-RED waits 15 s for a node to close; the graceful stop must end well within that. */
const CLOSE_BUDGET_MS = 12_000;
const RATE_INTERVAL_MS = 1000;

export = function register(RED: NodeAPI): void {
  function EdgesharkCapture(this: RuntimeNode, def: NodeDefinition): void {
    RED.nodes.createNode(this, def);
    setUp(this, def);
  }

  function setUp(node: RuntimeNode, def: NodeDefinition): void {
    const host = typeof def.host === 'string' ? RED.nodes.getNode(def.host) : undefined;
    let settings: CaptureSettings;
    try {
      if (!isEdgesharkHostNode(host)) throw new Error(RED._('edgeshark-capture.errors.no-host'));
      settings = captureSettings(def);
    } catch (err) {
      rejectConfiguration(node, err);
      return;
    }

    let run: CaptureNodeRun | undefined;
    let rateTimer: NodeJS.Timeout | undefined;
    let closing = false;

    const showRate = (current: CaptureNodeRun): void => {
      let last = 0;
      rateTimer = setInterval(() => {
        const rate = current.totals.packets - last;
        last = current.totals.packets;
        node.status({ fill: 'green', shape: 'dot', text: RED._('edgeshark-capture.status.capturing', { rate, total: current.totals.packets }) });
      }, RATE_INTERVAL_MS);
    };

    /** Starts a capture; `origin` is the message that asked for it (its done() comes at the end). */
    const start = (tank: SharkTank, target: Target, extra: object, send: SendFunction, done: DoneFunction | undefined): void => {
      const current = new CaptureNodeRun({
        tank,
        target,
        options: { ...settings.options, ...extra },
        stop: settings.stop,
        output: settings.output,
        batchPackets: settings.batchPackets,
        batchMs: settings.batchMs,
        send: (msg) => send(msg),
        onCapturing: () => {
          node.status({ fill: 'green', shape: 'dot', text: RED._('edgeshark-capture.status.capturing', { rate: 0, total: 0 }) });
          showRate(current);
        },
      });
      run = current;
      node.status({ fill: 'yellow', shape: 'ring', text: RED._('edgeshark-capture.status.connecting', { target: current.label }) });
      void current.ended.then((err) => {
        clearInterval(rateTimer);
        rateTimer = undefined;
        if (run === current) run = undefined;
        if (err) {
          node.status(errorStatus(err));
          // The message to Catch nodes: the one that started the capture, or a new one naming the target.
          if (done) done(errorText(err));
          else node.error(errorText(err), { topic: current.label, target: { name: target.name, type: target.type } });
          return;
        }
        if (!closing) node.status({ fill: 'grey', shape: 'ring', text: RED._('edgeshark-capture.status.stopped', { total: current.totals.packets }) });
        done?.();
      });
    };

    const startFrom = async (msg: NodeMessage | undefined, send: SendFunction, done: DoneFunction | undefined): Promise<void> => {
      const tank = host.tank();
      const fromMsg = await messageTarget(msg?.target, tank);
      const picked = fromMsg?.target ?? settings.target;
      if (!picked) throw new Error(RED._('edgeshark-capture.errors.no-target'));
      const target = await withProcessName(picked, tank);
      if (closing) return done?.();
      start(tank, target, fromMsg?.options ?? {}, send, done);
    };

    node.on('input', (msg: NodeMessage, send: SendFunction, done: DoneFunction) => {
      if (msg.topic === 'stop') {
        const current = run;
        if (!current) return done();
        void current.stop().then(() => done());
        return;
      }
      if (run) {
        node.warn(RED._('edgeshark-capture.errors.already-running'));
        return done();
      }
      startFrom(msg, send, done).catch((err: unknown) => failMessage(node, err, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearInterval(rateTimer);
      const current = run;
      if (!current) {
        node.status({});
        return done();
      }
      void current.close(CLOSE_BUDGET_MS).then(() => {
        node.status({});
        done();
      });
    });

    if (settings.startOnDeploy) {
      // Let the flow finish starting before the first messages leave.
      setImmediate(() => {
        if (closing) return;
        startFrom(undefined, (msg) => node.send(msg as NodeMessage), undefined).catch((err: unknown) => {
          node.status(errorStatus(err));
          node.error(errorText(err), { topic: settings.target?.name ?? '' });
        });
      });
    } else {
      node.status({ fill: 'grey', shape: 'ring', text: RED._('edgeshark-capture.status.waiting') });
    }
  }
  RED.nodes.registerType('edgeshark-capture', EdgesharkCapture);
};
