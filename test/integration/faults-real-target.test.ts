// Faults around a capture on the bed's real Packetflix (svc1), with outcomes stated before each runs
// (issue 14): the dumpcap the server started for OUR capture is SIGKILLed (found by our unique
// filter; nothing else of the shared service is touched), and the target's namespace (the test's
// own, with its own keeper) is deleted mid-capture. Each proves no dumpcap of ours is left on the
// server. UDP ports 52900-52999 are this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CaptureFailedError } from '../../src/core/capture-errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { PcapngPacketReader } from '../../src/core/pcapng';
import { Collector } from '../support/collector';
import { OwnNamespace } from '../support/cli-host';
import { processGone } from '../support/processes';
import { dumpcapWithFilter, findDumpcap, keeperTarget, waitFor } from '../support/real-packetflix';
import { packetflixPid, requireServices, sendUdp, serviceUrl } from '../support/testbed';

const execFileAsync = promisify(execFile);

test('the server\'s dumpcap of our capture SIGKILLed: the server\'s reason "capture process failed" reaches the user as a CaptureFailedError; what came before is readable; no dumpcap left', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const pf = packetflixPid(bed);
  const tank = newSharkTankOnHost(serviceUrl(bed));
  const target = keeperTarget(await tank.targets(), bed, 't2');
  const filter = 'udp port 52901';
  const out = new Collector();
  const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
  const dumpcap = await dumpcapWithFilter(pf, filter);
  await new Promise((resolve) => setTimeout(resolve, 700)); // from exec to an open device
  await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 52901 });
  await waitFor('the 10 datagrams', () => (new PcapngPacketReader().push(Buffer.concat(out.chunks)).length >= 10 ? true : undefined), 20_000);
  process.kill(dumpcap.pid, 'SIGKILL');
  const end = await streamer.wait();
  assert.equal(end.kind, 'error');
  const error = (end as { error: Error }).error;
  assert.ok(error instanceof CaptureFailedError, `${error.name}: ${error.message}`);
  assert.equal(error.reason, 'capture process failed');
  assert.match(error.message, /csharg-t2\(\d+\).*failed: capture process failed/);
  assert.equal(new PcapngPacketReader().push(Buffer.concat(out.chunks)).length, 10, 'the packets before the kill are all there and readable');
  await processGone(dumpcap.pid);
  assert.equal(findDumpcap(pf, filter), undefined);
});

test('the target namespace deleted mid-capture: the capture keeps running (the server\'s dumpcap pins the namespace), the user\'s stop ends it cleanly, the server\'s dumpcap is gone; a new capture of the gone target fails with the server\'s reason', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const pf = packetflixPid(bed);
  const ns = await OwnNamespace.create(t, 'csharg-f14ns');
  const tank = newSharkTankOnHost(serviceUrl(bed));
  const { stdout } = await execFileAsync('stat', ['-L', '-c', '%i', `/run/netns/${ns.name}`]);
  const inode = Number(stdout.trim());
  const target = (await tank.targets()).find((x) => x.netns === inode && x.name === `${ns.name}(${ns.keeperPid})`);
  assert.ok(target, `discovery lists ${ns.name}(${ns.keeperPid})`);
  const filter = 'udp port 52902';
  const out = new Collector();
  const streamer = tank.capture(out, target, { nifs: ['lo'], filter });
  const dumpcap = await dumpcapWithFilter(pf, filter);
  await out.started;

  await ns.stopKeeper();
  await ns.delete();
  const still = await Promise.race([streamer.wait().then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('running'), 1500))]);
  assert.equal(still, 'running', 'the capture keeps running in the deleted (pinned) namespace');
  assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
  await processGone(dumpcap.pid);

  tank.clear();
  const again = await tank.capture(new Collector(), target, { nifs: ['lo'], filter: 'udp port 52903' }).wait();
  assert.equal(again.kind, 'error');
  const error = (again as { error: Error }).error;
  assert.ok(error instanceof CaptureFailedError, `${error.name}: ${error.message}`);
  assert.match(error.message, /could not locate network namespace for container|cannot lock target network stack/);
  assert.equal(findDumpcap(pf, 'udp port 52903'), undefined);
});
