// `csharg capture` beside Siemens' csharg v1.0.2 (csharg-go), both against the bed's REAL
// Packetflix v0.9.7 + Gostwire v2.4.1 (svc1), both capturing the same target at the same time while
// the same datagrams flow (issue 13). What must agree: the SHB (its options, and the comment with the
// target's YAML that each client writes in place of the server's) byte for byte, the IDBs, and
// every packet both captured (bytes and timestamp). Where csharg-go is wrong (it never applies
// --filter, csharg-parity.md) the test shows our fix beside its defect.
// UDP ports 48000-48099 are this file's; every comparison is restricted to them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { EPB, IDB, SHB, fileBlocks, packetsOnPorts, pcapngBlocks, sequenceNumbers, startCshargGo } from '../support/csharg-go';
import type { Block, GoRun } from '../support/csharg-go';
import { dumpcapWithFilter, keeperTarget, packetflixPid, shbComment, waitFor } from '../support/real-packetflix';
import { cshargGoPath, requireServices, sendUdp, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';

const DATAGRAMS = 40;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-diff-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The name the real discovery gives t2's keeper (it contains the keeper's PID). */
async function t2Name(bed: BedEnv, url: string): Promise<string> {
  return keeperTarget(await newSharkTankOnHost(url).targets(), bed, 't2').name;
}

/** Both files hold an SHB and `idbs` IDBs: both dumpcaps run, so both see what is sent from now on. */
function headersWritten(file: string, idbs: number): boolean {
  const blocks = fileBlocks(file);
  return blocks[0]?.type === SHB && blocks.filter((b) => b.type === IDB).length >= idbs;
}

interface SideBySide {
  ours: CliRun;
  go: GoRun;
  oursBlocks: Block[];
  goBlocks: Block[];
}

/**
 * Runs our csharg and csharg-go with the given arguments (each writes the file it is told to),
 * sends `DATAGRAMS` datagrams from t1 to t2 on each of `ports` once both have started, waits until
 * the datagrams to the expected ports have reached each file, then interrupts both (SIGINT by PID).
 */
async function sideBySide(
  t: TestContext,
  bed: BedEnv,
  run: { ours: string[]; go: string[]; oursFile: string; goFile: string; idbs: number; ports: number[]; expect: { ours: number[]; go: number[] } },
): Promise<SideBySide> {
  let oursPid: number | undefined;
  const ours = csharg(run.ours, { killAfterMs: 180_000, onSpawn: (pid) => (oursPid = pid) });
  const go = startCshargGo(cshargGoPath(bed), run.go, 180_000);
  t.after(() => {
    go.interrupt();
  });
  await waitFor('both clients to write the SHB and IDBs', () => (headersWritten(run.oursFile, run.idbs) && headersWritten(run.goFile, run.idbs) ? true : undefined), 60_000);
  for (const port of run.ports) await sendUdp({ from: 't1', to: 't2', count: DATAGRAMS, rate: 200, size: 24, port });
  const arrived = (file: string, ports: number[]): boolean => {
    const blocks = fileBlocks(file);
    return ports.every((port) => new Set(sequenceNumbers(packetsOnPorts(blocks, [port]), port)).size === DATAGRAMS);
  };
  await waitFor(
    `all ${DATAGRAMS} datagrams to ports ${run.expect.ours.join(', ')} in our file and to ${run.expect.go.join(', ')} in csharg-go's`,
    () => (arrived(run.oursFile, run.expect.ours) && arrived(run.goFile, run.expect.go) ? true : undefined),
    60_000,
  );
  process.kill(oursPid!, 'SIGINT');
  go.interrupt();
  const [oursRun, goRun] = await Promise.all([ours, go.done]);
  return { ours: oursRun, go: goRun, oursBlocks: pcapngBlocks(readFileSync(run.oursFile)), goBlocks: pcapngBlocks(readFileSync(run.goFile)) };
}

const hex = (b: Buffer): string => b.toString('hex');

/** The IDBs agree, and every packet on `ports` is in both files with the same bytes and timestamp. */
function assertSamePackets(t: TestContext, r: SideBySide, ports: number[]): void {
  const idbs = (blocks: Block[]): string[] => blocks.filter((b) => b.type === IDB).map((b) => hex(b.bytes));
  assert.deepEqual(idbs(r.oursBlocks), idbs(r.goBlocks), 'the IDBs agree byte for byte');
  // An EPB's interface and timestamp (bytes 8..20) identify a packet in both files.
  const byKey = (blocks: Block[]): Map<string, Buffer> => new Map(packetsOnPorts(blocks, ports).map((epb) => [hex(epb.subarray(8, 20)), epb]));
  const ours = byKey(r.oursBlocks);
  const go = byKey(r.goBlocks);
  const common = [...ours.keys()].filter((k) => go.has(k));
  // Every datagram sent is in both (the test waited for them); ICMP errors t2 answers with may
  // come last and be cut by the stop on one side only.
  for (const port of ports) {
    assert.deepEqual(sequenceNumbers(common.map((k) => ours.get(k)!), port).length, DATAGRAMS, `all ${DATAGRAMS} datagrams to ${port} are in both files`);
  }
  // Whole EPBs of every packet both captured: interface, timestamp, lengths, bytes, options.
  for (const k of common) assert.equal(hex(ours.get(k)!), hex(go.get(k)!), 'a packet both captured is the same, byte for byte');
  const order = (m: Map<string, Buffer>): string[] => [...m.keys()].filter((k) => common.includes(k));
  assert.deepEqual(order(ours), order(go), 'in the same order');
  const onlyOne = [...ours.keys(), ...go.keys()].filter((k) => !common.includes(k));
  t.diagnostic(`${common.length} packets on ports ${ports.join(', ')} in both files; ${onlyOne.length} in one only`);
}

test('csharg capture T -i eth0 -w A beside csharg-go capture T -i eth0 -w B on the real Packetflix: the same SHB byte for byte, the same IDB, the same packets and timestamps', { timeout: 300_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const name = await t2Name(bed, url);
  const dir = tempDir(t);
  const oursFile = path.join(dir, 'ours.pcapng');
  const goFile = path.join(dir, 'go.pcapng');
  const r = await sideBySide(t, bed, {
    ours: ['--host', url, 'capture', name, '-i', 'eth0', '-w', oursFile, '-q'],
    go: ['--host', url, 'capture', name, '-i', 'eth0', '-w', goFile],
    oursFile,
    goFile,
    idbs: 1,
    ports: [48000],
    expect: { ours: [48000], go: [48000] },
  });
  assert.equal(r.go.code, 0, `csharg-go: ${r.go.stderr}`);
  assert.equal(r.ours.code, 0, `ours: ${r.ours.stderr}`);
  assert.equal(r.ours.stderr, '', 'nothing on stderr with -q and a clean stop');
  assert.equal(r.oursBlocks[0]?.type, SHB);
  assert.equal(hex(r.oursBlocks[0].bytes), hex(r.goBlocks[0]!.bytes), 'the SHB: options and the target comment byte for byte');
  // And that comment is the target's, with the node name csharg fills in (the URL's host).
  const comment = shbComment(r.oursBlocks[0].bytes);
  assert.ok(comment.includes(`container-name: ${name}\n`), comment);
  assert.ok(comment.includes('container-type: proc\n'), comment);
  assert.ok(comment.includes(`node-name: ${new URL(url).hostname}\n`), comment);
  assertSamePackets(t, r, [48000]);
  const sent = sequenceNumbers(packetsOnPorts(r.oursBlocks, [48000]), 48000);
  assert.deepEqual([...new Set(sent)].sort((a, b) => a - b), Array.from({ length: DATAGRAMS }, (_, i) => i), 'every datagram sent, once');
});

test('flags written as cobra takes them, on both clients: -i=eth0 -i=lo --avoid-promiscuous=true -w=FILE --debug=false: both write FILE, the same SHB (no-promiscuous-mode) and IDBs, the same packets', { timeout: 300_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const name = await t2Name(bed, url);
  const dir = tempDir(t);
  const oursFile = path.join(dir, 'ours.pcapng');
  const goFile = path.join(dir, 'go.pcapng');
  const flags = (file: string): string[] => ['--debug=false', `--host=${url}`, 'capture', name, '-i=eth0', '-i=lo', '--avoid-promiscuous=true', `-w=${file}`];
  const r = await sideBySide(t, bed, { ours: [...flags(oursFile), '--quiet=true'], go: flags(goFile), oursFile, goFile, idbs: 2, ports: [48020], expect: { ours: [48020], go: [48020] } });
  assert.equal(r.go.code, 0, `csharg-go: ${r.go.stderr}`);
  assert.equal(r.ours.code, 0, `ours: ${r.ours.stderr}`);
  assert.equal(hex(r.oursBlocks[0]!.bytes), hex(r.goBlocks[0]!.bytes), 'the SHB byte for byte');
  assert.match(shbComment(r.oursBlocks[0]!.bytes), /\nno-promiscuous-mode: true\n/);
  const ifNames = (blocks: Block[]): string[] => blocks.filter((b) => b.type === IDB).map((b) => {
    // if_name (option 2) of each IDB
    let at = 16;
    while (at + 4 <= b.bytes.length - 4) {
      const code = b.bytes.readUInt16LE(at);
      const len = b.bytes.readUInt16LE(at + 2);
      if (code === 2) return b.bytes.subarray(at + 4, at + 4 + len).toString();
      if (code === 0) break;
      at += 4 + Math.ceil(len / 4) * 4;
    }
    return '';
  });
  assert.deepEqual(ifNames(r.oursBlocks), ['eth0', 'lo'], 'the interfaces -i=eth0 -i=lo asked for, not "=eth0"');
  assertSamePackets(t, r, [48020]);
});

test('--filter: ours applies it (the server runs dumpcap -f, the SHB records capture-filter); csharg-go never does (its defect): it gets every datagram', { timeout: 300_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const name = await t2Name(bed, url);
  const dir = tempDir(t);
  const oursFile = path.join(dir, 'ours.pcapng');
  const goFile = path.join(dir, 'go.pcapng');
  const filter = 'udp port 48010';
  const capturing = dumpcapWithFilter(packetflixPid(bed, 'svc1'), filter, 60_000);
  const r = await sideBySide(t, bed, {
    ours: ['--host', url, 'capture', name, '-i', 'eth0', '-f', filter, '-w', oursFile, '-q'],
    go: ['--host', url, 'capture', name, '-i', 'eth0', '-f', filter, '-w', goFile],
    oursFile,
    goFile,
    idbs: 1,
    ports: [48010, 48011],
    // csharg-go ignores the filter: it must get both ports.
    expect: { ours: [48010], go: [48010, 48011] },
  });
  assert.equal(r.go.code, 0, `csharg-go: ${r.go.stderr}`);
  assert.equal(r.ours.code, 0, `ours: ${r.ours.stderr}`);
  // Our request made the real Packetflix run dumpcap with the filter.
  const ours = await capturing;
  assert.equal(ours.args[ours.args.indexOf('-f') + 1], filter);
  // Ours: only the filtered port; csharg-go: both ports (and ICMP quoting them), the filter ignored.
  const oursPackets = packetsOnPorts(r.oursBlocks, [48010, 48011]);
  const goPackets = packetsOnPorts(r.goBlocks, [48010, 48011]);
  assert.deepEqual(new Set(sequenceNumbers(oursPackets, 48010)).size, DATAGRAMS);
  assert.equal(sequenceNumbers(oursPackets, 48011).length, 0, 'no datagram the filter excludes');
  assert.equal(oursPackets.length, DATAGRAMS, 'nothing but the filtered datagrams (no ICMP: "udp port" does not match ICMP errors)');
  assert.equal(new Set(sequenceNumbers(goPackets, 48011)).size, DATAGRAMS, 'csharg-go captured the excluded port too');
  // The packets both have are the same.
  const goSet = new Set(goPackets.map(hex));
  for (const p of oursPackets) assert.ok(goSet.has(hex(p)), 'a filtered packet is in csharg-go\'s file, byte for byte');
  // The SHBs differ exactly by the capture-filter line that our comment has and csharg-go's lacks.
  const oursComment = shbComment(r.oursBlocks[0]!.bytes);
  const goComment = shbComment(r.goBlocks[0]!.bytes);
  assert.equal(oursComment, `${goComment}capture-filter: ${filter}\n`);
  assert.equal(r.oursBlocks.filter((b) => b.type === EPB).length, oursPackets.length, 'the server filtered: nothing else reached us either');
});
