// packet-stats when the traffic stops (issue 16, item 6): before, the last window waited for the
// next packet (and the status kept its "106 pps" for ever). Now, for live packets (stamped close
// to now, not from a replay), the open window closes once its end has passed on the wall clock,
// and then one empty window follows per window length, and the status says 0 pps. Replays,
// files and `clock: packet` keep to packet time (the same figures at any replay speed). In
// Node-RED's own runtime (node-red-node-test-helper); the real capture is in
// test/integration/nodered-editor.test.ts.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import statsNode from '../../src/nodes/packet-stats';
import { collect, delay, helper, mustGetNode, nextMessage, waitForStatus } from '../support/nodered';

interface Window { start: number; end: number; complete: boolean; packets: number; bytes: number; pps: number; groups: unknown[]; talkers: unknown[] }

const WINDOW_MS = 200;

function packet(timestampMs: number, size = 60): Record<string, unknown> {
  const data = Buffer.alloc(size);
  data.writeUInt16BE(0x0800, 12);
  return { interface: 'eth0', linkType: 1, timestamp: timestampMs, data, originalLength: size };
}

function flow(extra: Record<string, unknown> = {}): object[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'stats', z: 'f1', type: 'packet-stats', windowMs: WINDOW_MS, topK: 3, ...extra, wires: [['out']] },
    { id: 'out', z: 'f1', type: 'helper' },
    { id: 'catcher', z: 'f1', type: 'catch', scope: null, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

async function until(what: string, probe: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await delay(20);
  }
}

describe('packet-stats when the traffic stops', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('live packets: the window closes on time (complete), then empty windows follow one per window length, status 0 pps', async () => {
    await helper.load([statsNode], flow());
    const stats = mustGetNode('stats');
    const out = collect(mustGetNode('out'));
    // three packets of this moment, in one window
    const now = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + 1;
    stats.receive({ topic: 'live', payload: [packet(now), packet(now + 1), packet(now + 2)] });
    // an empty window's status is grey (its text, "0 packets, 0 pps", is checked in the real editor: nodered-editor.test.ts)
    const zeroStatus = waitForStatus(stats, (s) => s.fill === 'grey');
    await until('four windows', () => out.length >= 4);
    const windows = out.map((m) => m.payload as Window);
    assert.equal(windows[0]!.packets, 3, 'the three packets in the first window');
    assert.equal(windows[0]!.start, now - 1);
    assert.ok(windows.every((w) => w.complete), 'each closed after its end: complete');
    windows.forEach((w, i) => { if (i > 0) assert.equal(w.start, windows[i - 1]!.end, 'no gap, no window twice'); });
    for (const w of windows.slice(1)) {
      assert.deepEqual([w.packets, w.bytes, w.pps, w.groups, w.talkers, w.end - w.start], [0, 0, 0, [], [], WINDOW_MS]);
    }
    assert.equal((await zeroStatus).shape, 'dot');
    // each window leaves after its end on the wall clock (plus the grace for packets in flight)
    assert.ok(windows.every((w) => w.end <= Date.now()));
    // packets again: counted in their own window, after the empty ones
    const again = Date.now();
    const countBefore = out.length;
    stats.receive({ topic: 'live', payload: [packet(again)] });
    await until('the window of the new packet', () => out.slice(countBefore).some((m) => (m.payload as Window).packets === 1));
    const resumed = out.slice(countBefore).map((m) => m.payload as Window).find((w) => w.packets === 1)!;
    assert.equal(resumed.start, Math.floor(again / WINDOW_MS) * WINDOW_MS);
    assert.equal(out.filter((m) => (m.payload as Window).start === resumed.start).length, 1, 'that window once');
  });

  it('packets again before the clock reached the quiet windows: those are sent first, no gap', async () => {
    await helper.load([statsNode], flow());
    const stats = mustGetNode('stats');
    const out = collect(mustGetNode('out'));
    stats.receive({ topic: 'live', payload: [packet(Date.now())] });
    // the first window leaves once its end (plus 1 s grace) has passed; its empty successors would follow one by one
    await until('the first window', () => out.length >= 1);
    const later = Date.now() + 3 * WINDOW_MS;
    stats.receive({ topic: 'live', payload: [packet(later)] });
    await until('the window of the later packet', () => out.some((m) => (m.payload as Window).start === Math.floor(later / WINDOW_MS) * WINDOW_MS));
    const windows = out.map((m) => m.payload as Window);
    windows.forEach((w, i) => { if (i > 0) assert.equal(w.start, windows[i - 1]!.end, `window ${i} follows the one before: ${windows.map((x) => `${x.start}:${x.packets}`).join(' ')}`); });
    assert.equal(windows.reduce((n, w) => n + w.packets, 0), 2);
    assert.ok(windows.length >= 5, 'the quiet windows in between were sent');
  });

  for (const [label, msg, extra] of [
    ['a replay (msg.replay)', { replay: { file: 'x.pcapng' } }, {}],
    ['packets from a file of yesterday', {}, {}],
    ['the setting "on packet time only"', {}, { clock: 'packet' }],
  ] as const) {
    it(`${label}: packet time only, the last window leaves once (complete false), no empty windows`, async () => {
      await helper.load([statsNode], flow(extra));
      const stats = mustGetNode('stats');
      const out = collect(mustGetNode('out'));
      const at = label.includes('yesterday') ? Date.now() - 86_400_000 : Date.now();
      stats.receive({ topic: 'r', ...msg, payload: [packet(at), packet(at + 1)] });
      await until('the flushed window', () => out.length >= 1);
      // the idle flush comes after 1 s; wait as long again plus several windows: nothing more
      await delay(1000 + 6 * WINDOW_MS);
      assert.equal(out.length, 1, out.map((m) => JSON.stringify(m.payload)).join('\n'));
      const w = out[0]!.payload as Window;
      assert.equal(w.packets, 2);
      assert.equal(w.complete, false, 'cut short by the pause, as before');
    });
  }

  it('"on time" for packets of yesterday follows them at their delay: no flood of catch-up windows', async () => {
    await helper.load([statsNode], flow({ clock: 'live' }));
    const stats = mustGetNode('stats');
    const out = collect(mustGetNode('out'));
    stats.receive({ topic: 'old', payload: [packet(Date.now() - 86_400_000)] });
    await delay(1000 + 4 * WINDOW_MS);
    assert.ok(out.length <= 6, `${out.length} windows in 1.8 s`);
    assert.ok(out.length >= 2, 'the window and empty ones after it');
  });

  it('a clock setting the node does not know is refused (to Catch)', async () => {
    await helper.load([statsNode], flow({ clock: 'sometimes' }));
    const caught = nextMessage(mustGetNode('caught'));
    mustGetNode('stats').receive({ payload: packet(Date.now()) });
    const msg = await caught;
    assert.match((msg.error as { message: string }).message, /^clock: expected auto, live or packet/);
  });
});
