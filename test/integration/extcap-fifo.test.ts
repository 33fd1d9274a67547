// `csharg extcap --capture` at the FIFO, as Wireshark drives it, with the bed's local source and
// svc1's REAL Packetflix/Gostwire: SIGTERM stops it gracefully and the FIFO holds a clean pcapng
// (whole blocks only: our strict reader and tshark read it to the end); a reader that closes the
// FIFO ends the capture (exit 0, its dumpcap gone); the target selector's reload asks the host
// Wireshark passes (--host), not the one configured; a host that does not answer still gives the
// options (the target list comes with a reload).
// Ports 47000-47999 are this helper's (47010-47019 here); every capture filters on its own port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { PcapngPacketReader } from '../../src/core/pcapng';
import { hostInterfaceName, LOCAL_INTERFACE } from '../../src/cli/extcap/interfaces';
import { homeEnv, isRunning, readLog, waitForLog } from '../support/extcap';
import { bedAddress, bedNamespace, requireBed, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg, dumpcapsWith, until } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);

interface FifoRun {
  dir: string;
  log: string;
  fifo: string;
  pid: number;
  reader: ReadStream;
  /** bytes read from the FIFO so far */
  bytes(): Buffer;
  /** packets in what was read so far */
  packets(): number;
  done: Promise<CliRun>;
}

/** `csharg extcap --capture --extcap-interface csharg-local …` into a FIFO we read, as dumpcap would. */
async function localCapture(t: TestContext, bed: BedEnv, port: number): Promise<FifoRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-extcap-fifo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = path.join(dir, 'fifo');
  await execFileAsync('mkfifo', [fifo]);
  const log = path.join(dir, 'extcap.log');
  let pid = 0;
  const done = csharg(
    ['extcap', '--capture', '--extcap-interface', LOCAL_INTERFACE, '--fifo', fifo, '--target', bedNamespace(bed, 't2').name, '--filter', `udp port ${port}`],
    { env: homeEnv(dir, { CSHARG_EXTCAP_LOG: log }), killAfterMs: 120_000, onSpawn: (p) => (pid = p) },
  );
  t.after(async () => {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    await done;
  });
  const chunks: Buffer[] = [];
  const reader = createReadStream(fifo);
  reader.on('data', (d) => chunks.push(d as Buffer));
  reader.on('error', () => undefined);
  const count = (): number => {
    const r = new PcapngPacketReader();
    return r.push(Buffer.concat(chunks)).length;
  };
  return { dir, log, fifo, pid, reader, bytes: () => Buffer.concat(chunks), packets: count, done };
}

test('SIGTERM: a graceful stop, and the FIFO holds a clean pcapng with every datagram sent', { timeout: 180_000 }, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const port = 47010;
  const run = await localCapture(t, bed, port);
  await waitForLog(run.log, /capture running: first block/, 60_000, run.done);
  await sendUdp({ from: 't1', to: 't2', count: 20, rate: 100, port });
  await until(() => run.packets() >= 20, 30_000, '20 packets through the FIFO');
  process.kill(run.pid, 'SIGTERM');
  const end = await run.done;
  assert.equal(end.code, 0, end.stderr);
  assert.equal(end.stderr, '');
  await new Promise<void>((resolve) => (run.reader.closed ? resolve() : run.reader.once('close', () => resolve())));
  const bytes = run.bytes();
  // whole blocks only: the strict reader ends without a partial block
  const reader = new PcapngPacketReader();
  assert.equal(reader.push(bytes).length, 20);
  assert.doesNotThrow(() => reader.end());
  const file = path.join(run.dir, 'read.pcapng');
  writeFileSync(file, bytes);
  const rows = await tsharkFields(file, ['ip.src', 'ip.dst', 'udp.dstport', 'data.data']);
  assert.deepEqual(rows.map((r) => Buffer.from(r[3]!, 'hex').readUInt32BE(0)), Array.from({ length: 20 }, (_, i) => i));
  assert.ok(rows.every((r) => r[0] === bedAddress(bed, 't1') && r[1] === bedAddress(bed, 't2') && Number(r[2]) === port));
  assert.match(readLog(run.log), /stopped by SIGTERM: \d+ blocks, \d+ bytes/);
  assert.deepEqual(dumpcapsWith(`udp port ${port}`), [], 'the local dumpcap is gone');
});

test('a reader that closes the FIFO ends the capture: exit 0, its dumpcap gone', { timeout: 180_000 }, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const port = 47011;
  const run = await localCapture(t, bed, port);
  await waitForLog(run.log, /capture running: first block/, 60_000, run.done);
  await sendUdp({ from: 't1', to: 't2', count: 5, rate: 100, port });
  await until(() => run.packets() >= 5, 30_000, '5 packets through the FIFO');
  run.reader.destroy();
  // The next write finds no reader (EPIPE): traffic until the extcap has noticed.
  let exited = false;
  void run.done.then(() => (exited = true));
  for (let i = 0; i < 20 && !exited; i++) await sendUdp({ from: 't1', to: 't2', count: 5, rate: 50, port });
  const end = await run.done;
  assert.equal(end.code, 0, end.stderr);
  assert.match(readLog(run.log), /Wireshark closed the FIFO: \d+ blocks, \d+ bytes/);
  assert.deepEqual(dumpcapsWith(`udp port ${port}`), [], 'the local dumpcap is gone');
});

test('the target selector\'s reload asks the host Wireshark passes; an unanswering host still gives the options', { timeout: 180_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-extcap-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Configured: svc1's address on a port where nothing listens (refused at once).
  const dead = `http://${new URL(url).hostname}:47019`;
  const hosts = path.join(dir, 'hosts.json');
  writeFileSync(hosts, JSON.stringify({ hosts: [dead] }));
  const env = homeEnv(dir, { CSHARG_EXTCAP_CONFIG: hosts });
  const iface = hostInterfaceName(dead);

  const config = await csharg(['extcap', '--extcap-config', '--extcap-interface', iface], { env });
  assert.equal(config.code, 0, config.stderr);
  const lines = config.stdout.toString().trim().split('\n');
  assert.ok(lines.some((l) => l.startsWith('arg {number=0}{call=--host}') && l.includes(`{default=${dead}}`)), config.stdout.toString());
  assert.ok(lines.some((l) => l.includes('{call=--target}{display=Target}{type=selector}{reload=true}')));
  assert.equal(lines.filter((l) => l.startsWith('value ')).length, 0, 'no targets from a host that does not answer');

  const reload = await csharg(['extcap', '--extcap-config', '--extcap-interface', iface, '--extcap-reload-option', 'target', '--host', url], { env });
  assert.equal(reload.code, 0, reload.stderr);
  const values = reload.stdout.toString().trim().split('\n');
  assert.ok(values.every((l) => l.startsWith('value {arg=1}')), reload.stdout.toString());
  const t2 = bedNamespace(bed, 't2');
  assert.ok(values.includes(`value {arg=1}{value=${t2.name}}{display=${t2.name} (process, PID ${t2.keeperPid}, node ${new URL(url).hostname})}`), reload.stdout.toString());

  const failed = await csharg(['extcap', '--extcap-config', '--extcap-interface', iface, '--extcap-reload-option', 'target'], { env });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, new RegExp(`^csharg: .*${dead.replace(/[.:/]/g, '\\$&')}`));
});
