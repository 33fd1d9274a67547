// The capture node's target picker before the host is deployed (issue 16, item 3): the editor asks
// GET /edgeshark/targets-for with the host as its dialog has it (URL, TLS node, timeout, and the
// host node whose saved token goes along), and the runtime asks that host, here the real
// Packetflix/Gostwire of svc1, although the deployed host node is still "this machine". The token
// is seen on the wire through a recording relay in front of svc1 (Packetflix never echoes it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import type { TargetChoice } from '../../src/nodes/lib/target-kind';
import { helper } from '../support/nodered';
import { requireSvc1 } from '../support/nodered-host';
import { startRecordingRelay } from '../support/recording-relay';
import { bedNamespace } from '../support/testbed';

const NODES = [hostNode, captureNode];

interface AdminAnswer { status: number; body: unknown }
function adminGet(path: string): Promise<AdminAnswer> {
  const admin = (helper as unknown as { request(): { get(p: string): PromiseLike<AdminAnswer> } }).request();
  return Promise.resolve(admin.get(path));
}

describe('the target picker asks the host as the dialog has it, before a deploy', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('a host deployed as "this machine", switched to svc1\'s URL in the dialog: svc1\'s targets, with the saved token on the wire', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    const relay = await startRecordingRelay(svc.url);
    t.after(() => relay.close());
    t.after(() => helper.unload());
    const token = `h13-picker-${process.pid}-${Date.now()}`;
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'local' },
    ], { host: { token } });

    // The deployed host lists this machine; the old route still says so.
    const deployed = await adminGet('/edgeshark/targets/host');
    assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
    assert.equal((deployed.body as { host: string }).host, 'this machine');

    const res = await adminGet(`/edgeshark/targets-for?url=${encodeURIComponent(relay.url)}&hostId=host&timeout=30`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const answer = res.body as { host: string; targets: TargetChoice[] };
    assert.equal(answer.host, relay.url);
    for (const name of ['t1', 't2', 't3', 't4']) {
      const ns = bedNamespace(svc.bed, name);
      const choice = answer.targets.filter((c) => c.kind === 'process' && c.pid === ns.keeperPid);
      assert.equal(choice.length, 1, `${ns.name} (PID ${ns.keeperPid}) is offered`);
      assert.deepEqual(choice[0]!.target, { name: ns.name, type: 'proc' });
    }
    // svc1's own Gostwire is one of its targets: the answer came from svc1, not from this machine's list.
    assert.ok(answer.targets.some((c) => c.kind === 'process' && c.name.startsWith('gostwire')), answer.targets.map((c) => c.label).join(', '));
    const discoveries = relay.requests.filter((r) => /^GET \S*discover/.test(r.requestLine));
    assert.ok(discoveries.length >= 1, relay.requests.map((r) => r.requestLine).join(' | '));
    for (const r of discoveries) assert.equal(r.headers.authorization, `Bearer ${token}`, 'the saved token went along');

    // Without a URL, a TLS node that is not deployed, a URL nobody answers: reasons, not a list.
    const noUrl = await adminGet('/edgeshark/targets-for?hostId=host');
    assert.equal(noUrl.status, 400);
    // (the test runtime has no message catalogs: the key, else the text)
    assert.match((noUrl.body as { error: string }).error, /URL|errors\.no-url/);
    const noTls = await adminGet(`/edgeshark/targets-for?url=${encodeURIComponent(svc.url)}&tls=nosuchtls`);
    assert.equal(noTls.status, 404);
    assert.match((noTls.body as { error: string }).error, /TLS|errors\.tls-not-deployed/);
    const nobody = await adminGet(`/edgeshark/targets-for?url=${encodeURIComponent('http://127.0.0.1:52499')}&timeout=10`);
    assert.equal(nobody.status, 502);
    assert.match((nobody.body as { error: string }).error, /refused|127\.0\.0\.1:52499/);
  });
});
